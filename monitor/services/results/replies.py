"""Right of reply on flagged items.

An item is a level of the comparison in one period: the plan (``"plan"``), a
recommendation file (``"file:<id>"``) or a recommendation (``"rec:<id>"``), the same
`level_key` as official progress. Its thread is the `ReplyMessage` rows of that period and
level, oldest first:

- ``response``  the government's response, recorded by the coordinator. A first response
                needs the item to be flagged (divergent) in the period; once a thread
                exists it stays with the item even if later evaluations remove the flag;
- ``rejoinder`` an NGO's answer to the response, by an administrator of an NGO that
                evaluated the item (a counted evaluation of the recommendation, of a
                recommendation of the file, or of any recommendation of the plan, in the
                period). Any other organisation gets NotFound (404): it does not learn
                that the thread exists;
- ``closed``    the coordinator closed the thread (optionally with a last word); nothing
                can be added afterwards.

Who reads what: the coordinator reads the whole thread, rejoinders under the
organisation's name or, when its evaluation of the item is pseudonymous, under its
pseudonym (services.results.pseudonyms). An NGO reads the responses, the closing and its own
rejoinders only, never another organisation's. The public page shows no thread.

Services flush but never commit; every change writes an audit event.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ... import i18n
from ...models import (
    Evaluation,
    Organization,
    Plan,
    Recommendation,
    RecommendationFile,
    ReplyMessage,
    ReportingPeriod,
    User,
)
from .. import audit
from . import pseudonyms
from .comparison import Comparison, Figures

#: Characters in one message (a response, a rejoinder or a closing word).
MAX_BODY = 5000
KINDS = ("response", "rejoinder", "closed")
AUDIT_ACTIONS = {"response": "reply.responded", "rejoinder": "reply.rejoined",
                 "closed": "reply.closed"}


class ReplyError(Exception):
    """A refusal with a translated message and the HTTP status that fits it."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


class NotFound(ReplyError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("There is no such item in this plan and period."), 404)


# --- items ---------------------------------------------------------------------------------


@dataclass
class Level:
    """An item that can carry a thread."""

    key: str
    file: RecommendationFile | None = None
    recommendation: Recommendation | None = None

    @property
    def kind(self) -> str:
        return "recommendation" if self.recommendation is not None else (
            "file" if self.file is not None else "plan")

    def sort_key(self) -> tuple[Any, ...]:
        if self.recommendation is not None:
            return (2, self.recommendation.sort_key, self.recommendation.id)
        if self.file is not None:
            return (1, self.file.position, self.file.id)
        return (0,)

    def label(self, lang: str | None = None) -> str:
        """The item in words, e.g. "Recommendation 139.12" (for exports and titles)."""
        if self.recommendation is not None:
            return _("Recommendation %(code)s",
                     code=self.recommendation.code or f"#{self.recommendation.id}")
        if self.file is not None:
            return _("File: %(title)s", title=str(i18n.localized(self.file, "title", lang)))
        return _("The whole plan")


def parse_level(session: Session, plan: Plan, key: str | None) -> Level:
    """The item named by `key` in `plan`; NotFound when malformed or of another plan."""
    key = (key or "").strip()
    if key == "plan":
        return Level("plan")
    kind, _sep, raw_id = key.partition(":")
    if kind not in ("file", "rec") or not raw_id.isascii() or not raw_id.isdigit() \
            or len(raw_id) > 12:
        raise NotFound()
    if kind == "file":
        rf = session.get(RecommendationFile, int(raw_id))
        if rf is None or rf.plan_id != plan.id:
            raise NotFound()
        return Level(f"file:{rf.id}", file=rf)
    rec = session.get(Recommendation, int(raw_id))
    if rec is None or rec.plan_id != plan.id:
        raise NotFound()
    return Level(f"rec:{rec.id}", recommendation=rec)


def figures_of(result: Comparison, key: str) -> Figures | None:
    if key == "plan":
        return result.overall
    if key.startswith("file:"):
        return next((f.figures for f in result.files if f.figures.level_key == key), None)
    return next((r.figures for r in result.recommendations if r.figures.level_key == key), None)


def flagged_keys(result: Comparison) -> list[str]:
    """The flagged items of a comparison: the plan, then files, then recommendations."""
    keys = ["plan"] if result.overall.flag else []
    keys += [f.figures.level_key for f in result.files if f.figures.flag]
    keys += [r.figures.level_key for r in result.recommendations if r.figures.flag]
    return keys


# --- threads -------------------------------------------------------------------------------


@dataclass
class Thread:
    level: Level
    messages: list[ReplyMessage] = field(default_factory=list)
    figures: Figures | None = None
    #: Coordinator's view: who wrote each rejoinder ({message id: name or pseudonym}).
    authors: dict[int, str] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return any(m.kind == "closed" for m in self.messages)

    @property
    def responded(self) -> bool:
        return any(m.kind == "response" for m in self.messages)

    @property
    def rejoinders(self) -> int:
        return sum(1 for m in self.messages if m.kind == "rejoinder")

    @property
    def flagged(self) -> bool:
        return bool(self.figures is not None and self.figures.flag)

    def author(self, message: ReplyMessage) -> str:
        if message.kind == "response":
            return _("Government response")
        if message.kind == "closed":
            return _("Closed by the coordinator")
        return self.authors.get(message.id, "")


def messages_by_level(session: Session, period_id: int, keys: list[str] | None = None
                      ) -> dict[str, list[ReplyMessage]]:
    query = sa.select(ReplyMessage).where(ReplyMessage.period_id == period_id)
    if keys is not None:
        if not keys:
            return {}
        query = query.where(ReplyMessage.level_key.in_(keys))
    out: dict[str, list[ReplyMessage]] = {}
    for message in session.scalars(query.order_by(ReplyMessage.created_at, ReplyMessage.id)):
        out.setdefault(message.level_key, []).append(message)
    return out


def _levels(session: Session, plan: Plan, keys: set[str]) -> dict[str, Level]:
    """Levels for many keys in two queries (keys of other plans are dropped)."""
    file_ids = {int(k[5:]) for k in keys if k.startswith("file:")}
    rec_ids = {int(k[4:]) for k in keys if k.startswith("rec:")}
    out: dict[str, Level] = {"plan": Level("plan")} if "plan" in keys else {}
    if file_ids:
        for rf in session.scalars(sa.select(RecommendationFile).where(
                RecommendationFile.id.in_(file_ids), RecommendationFile.plan_id == plan.id)):
            out[f"file:{rf.id}"] = Level(f"file:{rf.id}", file=rf)
    if rec_ids:
        for rec in session.scalars(sa.select(Recommendation).where(
                Recommendation.id.in_(rec_ids), Recommendation.plan_id == plan.id)):
            out[f"rec:{rec.id}"] = Level(f"rec:{rec.id}", recommendation=rec)
    return out


def _rejoinder_authors(session: Session, period: ReportingPeriod,
                       threads: list[Thread]) -> None:
    """Fill `Thread.authors` for the coordinator: the organisation's name, or its
    pseudonym (the recommendation's letter, else the neutral label)."""
    rejoinders = [(t, m) for t in threads for m in t.messages if m.kind == "rejoinder"]
    if not rejoinders:
        return
    names = dict(session.execute(sa.select(Organization.id, Organization.name).where(
        Organization.id.in_({m.organization_id for _t, m in rejoinders}))).all())
    letters: dict[int, dict[int, str]] = {}
    for thread, message in rejoinders:
        label = None
        rec = thread.level.recommendation
        if message.pseudonymous and rec is not None:
            if rec.id not in letters:
                letters[rec.id] = pseudonyms.by_organization(session, period.id, rec.id)
            label = letters[rec.id].get(message.organization_id or 0)
        thread.authors[message.id] = pseudonyms.shown_name(
            names.get(message.organization_id, ""), message.pseudonymous, label)


def coordinator_threads(session: Session, plan: Plan, period: ReportingPeriod,
                        result: Comparison) -> list[Thread]:
    """Every flagged item and every item with a thread, in the comparison's order."""
    by_level = messages_by_level(session, period.id)
    keys = set(flagged_keys(result)) | set(by_level)
    levels = _levels(session, plan, keys)
    threads = [Thread(level, by_level.get(key, []), figures_of(result, key))
               for key, level in levels.items()]
    threads.sort(key=lambda t: t.level.sort_key())
    _rejoinder_authors(session, period, [t for t in threads if t.rejoinders])
    return threads


def coordinator_thread(session: Session, plan: Plan, period: ReportingPeriod, level: Level,
                       result: Comparison | None = None) -> Thread:
    thread = Thread(level, messages_by_level(session, period.id, [level.key]).get(level.key, []),
                    figures_of(result, level.key) if result is not None else None)
    _rejoinder_authors(session, period, [thread])
    return thread


def threads_with_messages(session: Session, plan: Plan, period: ReportingPeriod
                          ) -> list[Thread]:
    """Threads that have at least one message, for exports and the report (coordinator's
    view, authors filled)."""
    by_level = messages_by_level(session, period.id)
    levels = _levels(session, plan, set(by_level))
    threads = [Thread(level, by_level[key]) for key, level in levels.items()]
    threads.sort(key=lambda t: t.level.sort_key())
    _rejoinder_authors(session, period, threads)
    return threads


# --- what an organisation evaluated --------------------------------------------------------


def _counted(organization_id: int, period_id: int) -> list[sa.ColumnElement[bool]]:
    return [Evaluation.organization_id == organization_id, Evaluation.period_id == period_id,
            Evaluation.counted == sa.true()]


def evaluated_keys(session: Session, organization_id: int, period: ReportingPeriod
                   ) -> dict[str, bool]:
    """``{level_key: pseudonymous}`` for every item the organisation evaluated in the
    period (a counted evaluation); an item is pseudonymous when any of the organisation's
    evaluations within it is."""
    out: dict[str, bool] = {}
    rows = session.execute(
        sa.select(Evaluation.recommendation_id, Recommendation.file_id, Evaluation.pseudonymous)
        .join(Recommendation, Recommendation.id == Evaluation.recommendation_id)
        .where(*_counted(organization_id, period.id)))
    for rec_id, file_id, pseudonymous in rows:
        keys = [f"rec:{rec_id}", "plan"] + ([f"file:{file_id}"] if file_id is not None else [])
        for key in keys:
            out[key] = out.get(key, False) or bool(pseudonymous)
    return out


def organization_threads(session: Session, plan: Plan, period: ReportingPeriod,
                         organization_id: int) -> list[Thread]:
    """The threads an NGO sees: items it evaluated that have a government response; in
    each, the responses, the closing and its own rejoinders only."""
    evaluated = evaluated_keys(session, organization_id, period)
    if not evaluated:
        return []
    by_level = messages_by_level(session, period.id, sorted(evaluated))
    by_level = {k: v for k, v in by_level.items() if any(m.kind == "response" for m in v)}
    levels = _levels(session, plan, set(by_level))
    threads = []
    for key, level in levels.items():
        own = [m for m in by_level[key]
               if m.kind != "rejoinder" or m.organization_id == organization_id]
        thread = Thread(level, own)
        thread.authors = {m.id: _("Your organisation") for m in own if m.kind == "rejoinder"}
        threads.append(thread)
    threads.sort(key=lambda t: t.level.sort_key())
    return threads


# --- writing -------------------------------------------------------------------------------


def clean_body(text: str | None, *, required: bool = True) -> str:
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text and required:
        raise ReplyError(_("Please write the text of the message."), 422)
    if len(text) > MAX_BODY:
        raise ReplyError(_("The message is too long: %(length)s characters. The limit is "
                           "%(limit)s.", length=f"{len(text):,}", limit=f"{MAX_BODY:,}"), 422)
    return text


def _add(session: Session, plan: Plan, period: ReportingPeriod, level: Level, kind: str,
         body: str, user: User, *, organization_id: int | None = None,
         pseudonymous: bool = False, now: dt.datetime | None = None) -> ReplyMessage:
    message = ReplyMessage(period_id=period.id, level_key=level.key, kind=kind,
                           author_id=user.id, organization_id=organization_id, body=body,
                           pseudonymous=pseudonymous)
    if now is not None:
        message.created_at = now
    session.add(message)
    session.flush()
    audit.record(session, AUDIT_ACTIONS[kind], message, actor_id=user.id, plan_id=plan.id,
                 organization_id=organization_id,
                 after={"period": period.label, "level": level.key, "kind": kind,
                        "body": body})
    return message


def _thread_state(session: Session, period: ReportingPeriod, level: Level
                  ) -> list[ReplyMessage]:
    return messages_by_level(session, period.id, [level.key]).get(level.key, [])


def respond(session: Session, plan: Plan, period: ReportingPeriod, key: str, body: str | None,
            *, user: User, result: Comparison, now: dt.datetime | None = None) -> ReplyMessage:
    """Record the government's response on an item (the coordinator). The item must be
    flagged in `result`, or already have a thread; a closed thread takes nothing more."""
    level = parse_level(session, plan, key)
    existing = _thread_state(session, period, level)
    if any(m.kind == "closed" for m in existing):
        raise ReplyError(_("This thread is closed: nothing can be added to it."))
    figures = figures_of(result, level.key)
    if not existing and not (figures is not None and figures.flag):
        raise ReplyError(_("This item is not flagged as divergent in this period: a "
                           "response can be recorded only on a flagged item."))
    text = clean_body(body)
    return _add(session, plan, period, level, "response", text, user, now=now)


def rejoin(session: Session, plan: Plan, period: ReportingPeriod, key: str, body: str | None,
           *, user: User, now: dt.datetime | None = None) -> ReplyMessage:
    """An NGO administrator's rejoinder to the government's response on an item its
    organisation evaluated (NotFound otherwise)."""
    if user.organization_id is None or user.role != "ngo_admin":
        raise ReplyError(_("Your account is not allowed to do this."), 403)
    level = parse_level(session, plan, key)
    evaluated = evaluated_keys(session, user.organization_id, period)
    if level.key not in evaluated:
        raise NotFound(_("Your organisation did not evaluate this item in this period."))
    existing = _thread_state(session, period, level)
    if not any(m.kind == "response" for m in existing):
        raise NotFound(_("The government has not responded on this item: there is nothing "
                         "to reply to yet."))
    if any(m.kind == "closed" for m in existing):
        raise ReplyError(_("This thread is closed: nothing can be added to it."))
    text = clean_body(body)
    return _add(session, plan, period, level, "rejoinder", text, user,
                organization_id=user.organization_id, pseudonymous=evaluated[level.key],
                now=now)


def close(session: Session, plan: Plan, period: ReportingPeriod, key: str,
          body: str | None = None, *, user: User, now: dt.datetime | None = None
          ) -> ReplyMessage:
    """The coordinator closes a thread (with an optional last word)."""
    level = parse_level(session, plan, key)
    existing = _thread_state(session, period, level)
    if not existing:
        raise ReplyError(_("There is no thread on this item to close."))
    if any(m.kind == "closed" for m in existing):
        raise ReplyError(_("This thread is already closed."))
    text = clean_body(body, required=False)
    return _add(session, plan, period, level, "closed", text, user, now=now)


def thread_text(thread: Thread) -> str:
    """A thread as plain text, one message per paragraph (the CSV column)."""
    parts = []
    for message in thread.messages:
        head = f"[{message.created_at:%Y-%m-%d %H:%M} UTC] {thread.author(message)}"
        parts.append(head + (f": {message.body}" if message.body else ""))
    return "\n\n".join(parts)
