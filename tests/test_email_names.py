"""Emails name a governing body by its full title at first mention (translations/GLOSSARY.md),
and "the coordinator" only after it: on the demo's data, where the KRG's body is stored
as "Kurdistan Regional Government – Office of the Coordinator for International
Recommendations" in Arabic, Sorani and English."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import factories as make
import pytest
import sqlalchemy as sa

from monitor.extensions import db
from monitor.models import GoverningBody, OutgoingEmail, Plan
from monitor.services import mailer
from monitor.services.outreach import invitations

FULL = {
    "ar": "حكومة إقليم كوردستان – مكتب منسق التوصيات الدولية",
    "ckb": "حکومەتی هەرێمی کوردستان – نووسینگەی ڕێکخەری ڕاسپاردە نێودەوڵەتییەکان",
    "en": ("Kurdistan Regional Government – Office of the Coordinator for International "
           "Recommendations"),
}
#: What a short form looks like: the role with its article («المنسق»), "the coordinator".
SHORT = {"ar": re.compile(r"المنسق"), "en": re.compile(r"\b[Tt]he coordinator\b")}


@pytest.fixture
def krg(app, seeded_demo) -> Plan:  # noqa: ANN001
    return db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))


def _full_first(text: str, lang: str) -> None:
    """The full title occurs, and before any short form."""
    full = FULL[lang]
    assert full in text, text
    short = SHORT[lang].search(text.replace(full, ""))
    if short is not None:
        assert text.index(full) < SHORT[lang].search(text).start(), text


def test_an_invitation_names_the_office_in_full_before_any_short_form(krg):
    body = db.session.scalar(sa.select(GoverningBody).where(
        GoverningBody.slug == "krg-coordinator"))
    assert krg.body_id == body.id
    assert (body.name_ar, body.name_ckb, body.name_en) == (FULL["ar"], FULL["ckb"], FULL["en"])
    krg.status = "open"
    for lang in ("ar", "en"):
        organization = make.organization("منظمة النور", language=lang)
        invitations.invite(db.session, krg, [organization.id], actor_id=None)
        db.session.flush()
        email = db.session.scalars(sa.select(OutgoingEmail).where(
            OutgoingEmail.recipient == organization.email)).one()
        for part in (email.body_text, re.sub(r"<[^>]+>", "", email.body_html)):
            _full_first(part, lang)


def _context(plan: Plan) -> dict:
    period = plan.periods[-1]
    organization = SimpleNamespace(name="منظمة النور", email="noor@ngo.example")
    evaluation = SimpleNamespace(id=1)
    return {
        "plan": plan, "body": plan.body, "period": period, "organization": organization,
        "link": "http://localhost/x", "home_link": "http://localhost/ngo",
        "comment": "?", "evaluation": evaluation,
        "recommendation": SimpleNamespace(code="139.1"),
        "level": SimpleNamespace(label=lambda: "139.1"),
        "request": SimpleNamespace(name="منظمة النور"), "reason": "—",
        "actor": SimpleNamespace(name="Layla", email="layla@ngo.example"),
        "monitored": [], "declined": [], "counts": {},
        "deadline": dt.datetime(2030, 1, 1),
        "name": "منظمة النور", "known": False, "sign_in_link": "", "reset_link": "",
    }


TEMPLATES = ("reply_response", "evaluation_clarification_requested", "choices_confirmation",
             "join_request_rejected", "join_request_acknowledged", "reminder")


def test_every_email_that_names_the_body_names_it_in_full_first(krg):
    for template in TEMPLATES:
        for lang in ("ar", "en"):
            _subject, text, html = mailer.render(template, lang, **_context(krg))
            for part in (text, re.sub(r"<[^>]+>", "", html)):
                _full_first(part, lang)
