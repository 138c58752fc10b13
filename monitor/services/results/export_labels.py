"""Headers and sheet names of the XLSX exports in the reader's language. A CSV keeps the
machine names (``code``, ``text_ar``) as its only header, so that a script or a spreadsheet
built on it keeps working; an XLSX is read by people, and says "Code", "Text (Arabic)"."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

COLUMNS = {
    "alpha": _l("Agreement (alpha)"),
    "author": _l("Author"),
    "body": _l("Message"),
    "code": _l("Code"),
    "content_type": _l("Document type"),
    "counted": _l("Counted"),
    "coverage": _l("Coverage (%)"),
    "created_at_utc": _l("Written at (UTC)"),
    "document": _l("Document"),
    "evaluated": _l("Recommendations evaluated"),
    "evidence_kept": _l("Documents kept in the organisation"),
    "evidence_shared": _l("Documents shared with the coordinator"),
    "file_id": _l("File no."),
    "file_title": _l("File"),
    "flag": _l("Divergent"),
    "gap": _l("Gap"),
    "independent": _l("Independent"),
    "iqr": _l("IQR"),
    "item": _l("Item"),
    "kind": _l("Kind"),
    "late": _l("Late"),
    "level": _l("Level"),
    "low_coverage": _l("Low coverage"),
    "mean": _l("Mean"),
    "measure": _l("Measure"),
    "median": _l("Median"),
    "n_ngos": _l("NGOs"),
    "name": _l("Name"),
    "official": _l("Official"),
    "official_source": _l("Source of the official figure"),
    "organisation": _l("Organisation"),
    "period": _l("Reporting period"),
    "plan_title": _l("Plan"),
    "pseudonymous": _l("Pseudonymous"),
    "q1": _l("Q1"),
    "q3": _l("Q3"),
    "question": _l("Question"),
    "receipt_sha256": _l("Receipt fingerprint (SHA-256)"),
    "recommendation_id": _l("Recommendation no."),
    "right_of_reply": _l("Right of reply"),
    "sha256": _l("Fingerprint (SHA-256)"),
    "share_fully": _l("Fully implemented (%)"),
    "size_bytes": _l("Size (bytes)"),
    "state": _l("State"),
    "status_score": _l("Status score"),
    "submitted_at_utc": _l("Submitted at (UTC)"),
    "submitted_version": _l("Submitted version"),
    "text": _l("Text"),
    "title": _l("Title"),
    "total": _l("Recommendations"),
    "updated_at_utc": _l("Changed at (UTC)"),
    "uploaded_at_utc": _l("Uploaded at (UTC)"),
    "value": _l("Value"),
    "version": _l("Version"),
    "visibility": _l("Who can see it"),
}

SHEETS = {
    "About": _l("About"),
    "Comparison": _l("Comparison"),
    "Evaluations": _l("Evaluations"),
    "Evidence": _l("Evidence"),
    "Right of reply": _l("Right of reply"),
}

LANGUAGE_NAMES = {"ar": _l("Arabic"), "ckb": _l("Sorani"), "en": _l("English")}


def column(key: str) -> str:
    """A header for people: `text_ar` is "Text (Arabic)", `n_25` "NGOs rating 25"; a name
    it does not know (a question of the questionnaire) stays as it is."""
    stem, _sep, lang = key.rpartition("_")
    if lang in LANGUAGE_NAMES and stem in COLUMNS:
        return _("%(column)s (%(language)s)", column=COLUMNS[stem], language=LANGUAGE_NAMES[lang])
    if stem == "n" and lang.isdigit():
        return _("NGOs rating %(score)s", score=lang)
    return str(COLUMNS.get(key, key))


def sheet(title: str) -> str:
    return str(SHEETS.get(title, title))
