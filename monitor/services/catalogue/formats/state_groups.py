"""Recommending States written in brackets after a recommendation, as UN reports and OHCHR
matrices write them, and the text left when they are taken out.

Conventions handled (every cycle):

- one State: ``Ratify CAT (Chile);``, ``(Venezuela (Bolivarian Republic of))``;
- several, co-sponsoring: ``(France) (Lithuania);`` (cycles 3–4), ``(Chile); (Estonia);
  (Slovenia);`` (OHCHR matrices), ``(Chile; Mexico)`` or ``(Chile, Peru)`` in one bracket;
- merged recommendations under one code: ``… (Ukraine); Increase efforts … (Slovakia);``
  — both States are kept, in order, and the text keeps ``;`` where a State was;
- brackets that are part of the text before the States: ``Convention, 1930 (No. 29)
  (Sweden)``, ``(ICPPED) (Chile)``: only brackets naming a known State
  (``services.catalogue.states``) are taken as States, except that the last bracket is
  always a State (a State monitor does not know is kept as written);
- footnote marks after a State, as second-cycle reports print them: ``(Chile)12;``.
"""
from __future__ import annotations

import re

from ..states import is_state

_FOOTNOTE_RE = re.compile(r"\)[\d\u00b9\u00b2\u00b3\u2070-\u2079]{1,3}(?=\s*(?:[;.,]|\(|$))")
_END_PUNCTUATION = ";.,"


def _last_group(body: str) -> tuple[str, str] | None:
    """(text before, content) of the balanced bracket group ending `body`."""
    if not body.endswith(")"):
        return None
    depth = 0
    for index in range(len(body) - 1, -1, -1):
        ch = body[index]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                return body[:index].rstrip(), " ".join(body[index + 1 : -1].split())
    return None


def _names_in(content: str) -> list[str] | None:
    """The States named in one bracket: itself, or a list separated by ";" or ","
    when every part is a known State."""
    if is_state(content):
        return [content]
    for separator in (";", ","):
        parts = [part.strip() for part in content.split(separator)]
        if len(parts) > 1 and all(parts) and all(is_state(part) for part in parts):
            return parts
    return None


def _strip_end(body: str) -> str:
    body = body.rstrip()
    while body[-1:] and body[-1] in _END_PUNCTUATION:
        body = body[:-1].rstrip()
    return body


def split_states(line: str) -> tuple[str, list[str]] | None:
    """Split ``"text (State) (State);"`` into the text and the States, in order. None when
    the line does not end with a bracket."""
    # The Arabic edition's semicolon ends a recommendation as ";" does.
    body = _strip_end(_FOOTNOTE_RE.sub(")", line.strip().replace("\u061b", ";")))
    found = _last_group(body)
    if found is None:
        return None
    body, content = found
    names = _names_in(content)
    trailing: list[list[str]] = [names if names else ([content] if content else [])]
    while True:
        rest = _strip_end(body)
        found = _last_group(rest)
        if found is None:
            break
        names = _names_in(found[1])
        if not names:
            break
        body = found[0]
        trailing.insert(0, names)
    text, inner = _merged_states(body.rstrip())
    states = inner + [name for group in trailing for name in group]
    return _strip_end(text) if text.rstrip().endswith(";") else text.rstrip(), states


_INNER_RE = re.compile(r"\s*;")


def _merged_states(text: str) -> tuple[str, list[str]]:
    """States of merged recommendations inside the text: bracket groups naming known
    States followed by ";" (the ";" stays, the brackets go)."""
    states: list[str] = []
    out = text
    search_from = len(out)
    while True:
        end = out.rfind(");", 0, search_from)
        if end < 0:
            break
        found = _last_group(out[: end + 1])
        if found is None:
            search_from = end
            continue
        before, content = found
        names = _names_in(content)
        if not names:
            search_from = end
            continue
        # Take every State bracket right before this one too: "(A) (B); …".
        groups = [names]
        while True:
            prior = _last_group(_strip_end(before))
            if prior is None or not _names_in(prior[1]):
                break
            groups.insert(0, _names_in(prior[1]) or [])
            before = prior[0]
        states = [name for group in groups for name in group] + states
        out = before.rstrip() + out[end + 1 :]
        search_from = len(before.rstrip())
    return out, states
