"""Writing the evaluation questionnaire as an XLSForm (survey, choices and settings sheets);
``services.evaluation.xlsform`` reads it back."""
from __future__ import annotations

import io
from typing import Any

from .questionnaire import EXPORT_LANGUAGES, SELECT_TYPES
from .xlsform_rules import constraint_text, relevant_text


def export_xlsform(definition: dict[str, Any]) -> bytes:
    """The definition as an XLSForm workbook (survey, choices and settings sheets).
    ``builtin`` is not written (see the module docstring for how import recognises it)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def put(sheet, values: list[Any]) -> None:  # noqa: ANN001
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                      for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula

    def langs(texts: dict | None) -> list[str | None]:
        texts = texts or {}
        return [texts.get(code) or None for code, _name in EXPORT_LANGUAGES]

    def headers(kind: str) -> list[str]:
        return [f"{kind}::{language} ({code})" for code, language in EXPORT_LANGUAGES]

    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    choices = workbook.create_sheet("choices")
    settings = workbook.create_sheet("settings")
    put(survey, ["type", "name", *headers("label"), *headers("hint"), "required",
                 "constraint", *headers("constraint_message"), "relevant",
                 *headers("required_message")])
    put(choices, ["list_name", "name", *headers("label")])
    put(settings, ["form_title", "form_id", "default_language"])
    put(settings, ["monitor questionnaire", "monitor_questionnaire", "English (en)"])

    group_labels = {g.get("name"): g.get("label") for g in definition.get("groups") or []}
    used_groups: set[str] = set()
    current: str | None = None
    for question in definition.get("questions") or []:
        group = question.get("group")
        if group != current:
            if current is not None:
                put(survey, ["end group"])
            if group is not None:
                put(survey, ["begin group", group, *langs(group_labels.get(group))])
                used_groups.add(group)
            current = group
        qtype = question["type"]
        type_text = f"{qtype} {question['name']}" if qtype in SELECT_TYPES else qtype
        put(survey, [type_text, question["name"], *langs(question.get("label")),
                     *langs(question.get("hint")),
                     "yes" if question.get("required") else None,
                     constraint_text(question) or None,
                     *langs(question.get("constraint_message")),
                     relevant_text(question["relevant"]) if question.get("relevant") else None,
                     *langs(question.get("required_message"))])
        if qtype in SELECT_TYPES:
            for choice in question.get("choices") or []:
                put(choices, [question["name"], str(choice.get("name")),
                              *langs(choice.get("label"))])
    if current is not None:
        put(survey, ["end group"])
    for group in definition.get("groups") or []:  # groups without questions
        if group.get("name") not in used_groups:
            put(survey, ["begin group", group.get("name"), *langs(group.get("label"))])
            put(survey, ["end group"])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
