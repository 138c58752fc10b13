"""XLSForm's ``constraint`` and ``relevant`` expressions that monitor honours, read into
the questionnaire's schema (data, see ``services.evaluation.questionnaire``) and written
back for the export. Anything else is reported by row by ``xlsform`` and not honoured.

Honoured:

- a constraint on a number: constant limits on ``.`` joined by ``and`` (``. >= 0``,
  ``. > 0 and . < 10``, ``0 <= .``) → ``min``/``max`` (``min_exclusive``/``max_exclusive``);
- a constraint on a date: ``. <= today()`` → ``not_future``; ``. >= date('2020-01-01')``,
  ``. > date(…)``, ``. <= date(…)``, ``. < date(…)`` → ``min_date``/``max_date``;
- relevance on a select answer of an earlier question: ``${q} = 'yes'``, ``${q} != 'no'``,
  ``selected(${q}, 'x')``, ``not(…)``, joined by ``and`` / ``or`` with brackets →
  ``relevant``, a condition as data: ``{"question", "op": "=" | "!=" | "selected",
  "value"}``, ``{"not": c}``, ``{"all": [c, …]}``, ``{"any": [c, …]}``. Quotation marks may
  be straight or typographic (‘other’, as spreadsheets type them).

Pure Python: no Flask app, no database.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from .questionnaire import NUMBER_TYPES, SELECT_TYPES, _format_number, _json_number

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_CLAUSE_RE = re.compile(rf"^\.\s*(<=|>=|<|>|=)\s*({_NUMBER})$")
_CLAUSE_REVERSED_RE = re.compile(rf"^({_NUMBER})\s*(<=|>=|<|>|=)\s*\.$")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "="}
_NOT_FUTURE_RE = re.compile(r"^\.\s*<=\s*today\(\s*\)$")
_DATE_CLAUSE_RE = re.compile(
    r"""^\.\s*(<=|>=|<|>)\s*date\(\s*['"‘’“”](\d{4}-\d{2}-\d{2})['"‘’“”]\s*\)$""")


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and "(" not in text[1:-1] \
            and ")" not in text[1:-1]:
        text = text[1:-1].strip()
    return text


def _clauses(expression: str) -> list[str]:
    expression = _strip_parens(expression.replace("&gt;", ">").replace("&lt;", "<"))
    return [_strip_parens(c) for c in re.split(r"\s+and\s+", expression, flags=re.IGNORECASE)]


def parse_constraint(expression: str, qtype: str) -> dict[str, Any] | None:
    """The schema keys for a constraint monitor honours; None if it cannot."""
    if qtype == "date":
        return _date_constraint(_clauses(expression))
    if qtype not in NUMBER_TYPES:
        return None
    lower: tuple[Decimal, bool] | None = None  # (value, strict)
    upper: tuple[Decimal, bool] | None = None
    for clause in _clauses(expression):
        match = _CLAUSE_RE.match(clause)
        if match:
            operator, number = match.group(1), match.group(2)
        else:
            match = _CLAUSE_REVERSED_RE.match(clause)
            if not match:
                return None
            operator, number = _FLIP[match.group(2)], match.group(1)
        value = Decimal(number)
        bounds = []
        if operator in (">", ">=", "="):
            bounds.append(("lower", (value, operator == ">")))
        if operator in ("<", "<=", "="):
            bounds.append(("upper", (value, operator == "<")))
        for side, bound in bounds:
            if side == "lower":
                if lower is None or bound[0] > lower[0] or (bound[0] == lower[0] and bound[1]):
                    lower = bound
            elif upper is None or bound[0] < upper[0] or (bound[0] == upper[0] and bound[1]):
                upper = bound
    result: dict[str, Any] = {"min": None, "max": None,
                              "min_exclusive": False, "max_exclusive": False}
    if qtype == "integer":
        if lower is not None:
            value, strict = lower
            result["min"] = (math.floor(value) + 1) if strict else math.ceil(value)
        if upper is not None:
            value, strict = upper
            result["max"] = (math.ceil(value) - 1) if strict else math.floor(value)
        if result["min"] is not None and result["max"] is not None \
                and result["min"] > result["max"]:
            return None
    else:
        if lower is not None:
            result["min"], result["min_exclusive"] = _json_number(lower[0]), lower[1]
        if upper is not None:
            result["max"], result["max_exclusive"] = _json_number(upper[0]), upper[1]
        if lower is not None and upper is not None and (
                lower[0] > upper[0] or (lower[0] == upper[0] and (lower[1] or upper[1]))):
            return None
    return result


def _date_constraint(clauses: list[str]) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    for clause in clauses:
        if _NOT_FUTURE_RE.match(clause):
            result["not_future"] = True
            continue
        match = _DATE_CLAUSE_RE.match(clause)
        if not match:
            return None
        try:
            day = dt.date.fromisoformat(match.group(2))
        except ValueError:
            return None
        operator = match.group(1)
        if operator.startswith(">"):
            day += dt.timedelta(days=operator == ">")
            if result.get("min_date") is None or day.isoformat() > result["min_date"]:
                result["min_date"] = day.isoformat()
        else:
            day -= dt.timedelta(days=operator == "<")
            if result.get("max_date") is None or day.isoformat() < result["max_date"]:
                result["max_date"] = day.isoformat()
    if result.get("min_date") and result.get("max_date") \
            and result["min_date"] > result["max_date"]:
        return None
    return result or None


def constraint_text(question: dict) -> str:
    """The question's limits as an XLSForm constraint ("" when it has none)."""
    parts = []
    if question.get("type") in NUMBER_TYPES:
        decimal = question.get("type") == "decimal"
        if question.get("min") is not None:
            operator = ">" if decimal and question.get("min_exclusive") else ">="
            parts.append(f". {operator} {_format_number(question['min'])}")
        if question.get("max") is not None:
            operator = "<" if decimal and question.get("max_exclusive") else "<="
            parts.append(f". {operator} {_format_number(question['max'])}")
    if question.get("type") == "date":
        if question.get("min_date"):
            parts.append(f". >= date('{question['min_date']}')")
        if question.get("max_date"):
            parts.append(f". <= date('{question['max_date']}')")
        if question.get("not_future"):
            parts.append(". <= today()")
    return " and ".join(parts)


# --- relevance ---------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"""\s*(?:
    (?P<ref>\$\{\s*(?P<name>[^\W\d][\w.\-]*)\s*\})
  | (?P<string>'[^']*'|"[^"]*"|‘[^’]*’|“[^”]*”)
  | (?P<number>[+-]?\d+(?:\.\d+)?)
  | (?P<op>!=|=|\(|\)|,)
  | (?P<word>[A-Za-z_][\w-]*)
)""", re.VERBOSE)


class _Unsupported(Exception):
    pass


def _tokens(expression: str) -> list[tuple[str, str]]:
    out, position, text = [], 0, expression.strip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise _Unsupported
        position = match.end()
        if match.group("ref"):
            out.append(("ref", match.group("name")))
        elif match.group("string"):
            out.append(("value", match.group("string")[1:-1]))
        elif match.group("number"):
            out.append(("value", match.group("number")))
        elif match.group("op"):
            out.append(("op", match.group("op")))
        else:
            out.append(("word", match.group("word").lower()))
        while position < len(text) and text[position].isspace():
            position += 1
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], selects: dict[str, dict]):
        self.tokens, self.at, self.selects = tokens, 0, selects

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise _Unsupported
        self.at += 1
        return token[1]

    def joined(self, word: str, key: str, part: Any) -> dict:
        parts = [part()]
        while self.peek() == ("word", word):
            self.at += 1
            parts.append(part())
        return parts[0] if len(parts) == 1 else {key: parts}

    def expression(self) -> dict:
        return self.joined("or", "any", lambda: self.joined("and", "all", self.factor))

    def factor(self) -> dict:
        token = self.peek()
        if token == ("op", "("):
            self.at += 1
            inner = self.expression()
            self.take("op", ")")
            return inner
        if token in (("word", "not"), ("word", "selected")):
            self.at += 1
            self.take("op", "(")
            if token[1] == "not":
                inner = {"not": self.expression()}
            else:
                name = self.question(self.take("ref"))
                self.take("op", ",")
                inner = self.comparison(name, "selected", self.take("value"))
            self.take("op", ")")
            return inner
        name = self.question(self.take("ref"))
        operator = self.take("op")
        if operator not in ("=", "!="):
            raise _Unsupported
        return self.comparison(name, operator, self.take("value"))

    def question(self, name: str) -> str:
        if name not in self.selects:
            raise _Unsupported  # not a select answer given earlier in the form
        return name

    def comparison(self, name: str, operator: str, value: str) -> dict:
        if value not in [str(c.get("name")) for c in self.selects[name].get("choices") or []]:
            raise _Unsupported
        return {"question": name, "op": operator, "value": value}


def parse_relevant(expression: str, earlier: list[dict]) -> dict | None:
    """The condition as data, when it reads only select answers of `earlier` questions
    with the forms above; None otherwise."""
    selects = {q["name"]: q for q in earlier if q.get("type") in SELECT_TYPES}
    try:
        parser = _Parser(_tokens(expression), selects)
        condition = parser.expression()
        if parser.peek() is not None:
            raise _Unsupported
    except _Unsupported:
        return None
    return condition


def both(first: dict | None, second: dict | None) -> dict | None:
    """Two conditions that must both hold (a group's and its question's)."""
    if first is None or second is None:
        return first or second
    return {"all": [*first.get("all", [first]), *second.get("all", [second])]}


def relevant_text(condition: dict) -> str:
    """The condition as an XLSForm expression."""
    if "not" in condition:
        return f"not({relevant_text(condition['not'])})"
    for key, word in (("all", " and "), ("any", " or ")):
        if key in condition:
            return word.join(f"({relevant_text(c)})" if "any" in c or "all" in c
                             else relevant_text(c) for c in condition[key])
    value = condition["value"].replace("'", "")
    if condition["op"] == "selected":
        return f"selected(${{{condition['question']}}}, '{value}')"
    return f"${{{condition['question']}}} {condition['op']} '{value}'"
