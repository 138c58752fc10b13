"""Exports and the printable report: the comparison and the submitted evaluations as CSV and
XLSX for coordinators, an NGO's own evaluations as XLSX. Arabic and Sorani text read back
intact (csv module, openpyxl), numbers stay numbers, and every exported text column is
neutralised against formula injection. (Set-up: factories.Results.)"""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import factories as make
import openpyxl
import pytest
import sqlalchemy as sa
from support import client_as, row_counts

from monitor.extensions import db
from monitor.models import AuditEvent, Evaluation
from flask_babel import force_locale

from monitor.services.results import comparison, export_labels, exports, replies
from monitor.services.tabular import FORMULA_PREFIXES


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    return make.results()


def _client(app, user):  # noqa: ANN001, ANN201
    # ?lang=en is remembered: labels in exports are in English.
    return client_as(app, user, "/account?lang=en", real=True)


def _csv(response) -> list[dict[str, str]]:  # noqa: ANN001
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _keys() -> tuple[dict[str, str], dict[str, str]]:
    """The English XLSX headers and sheet names back to the CSV's keys."""
    keys = [*exports.COMPARISON_HEADER, *exports.REPLY_HEADER, *exports.EVALUATION_HEADER,
            *exports.OWN_HEADER, *exports.EVIDENCE_HEADER, *exports.OWN_REPLY_HEADER,
            *exports.EVIDENCE_COLUMNS, "name", "value"]
    with force_locale("en"):
        return ({export_labels.column(k): k for k in keys},
                {export_labels.sheet(t): t for t in export_labels.SHEETS})


def _sheets(response) -> dict[str, list[dict]]:  # noqa: ANN001
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    out = {}
    columns, titles = _keys()
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows())
        header = [columns.get(c.value, c.value) for c in rows[0]] if rows else []
        for row in rows:
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
        out[titles.get(sheet.title, sheet.title)] = [dict(zip(header, [c.value for c in row])) for row in rows[1:]]
    return out


# --- the comparison ------------------------------------------------------------------------


def test_the_comparison_xlsx_keeps_arabic_sorani_and_numbers(world, app):
    client = _client(app, world.coordinator)
    response = client.get(world.url("export/comparison.xlsx"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "comparison-" in response.headers["Content-Disposition"]
    rows = _sheets(response)["Comparison"]
    plan = next(r for r in rows if r["level"] == "plan")
    assert (plan["title_ar"], plan["title_ckb"]) == (world.plan.title_ar, world.plan.title_ckb)
    assert plan["official"] == 20 and plan["independent"] == pytest.approx(59.7222, abs=1e-3)
    assert plan["gap"] == pytest.approx(-39.7222, abs=1e-3) and plan["flag"] is True
    assert plan["evaluated"] == 3 and plan["total"] == 6
    assert plan["official_source"] == world.official_plan.source
    file1 = next(r for r in rows if r["level"] == "file" and r["file_id"] == world.file1.id)
    assert file1["title_ckb"] == world.file1.title_ckb and file1["n_ngos"] == 3
    rec = next(r for r in rows if r["code"] == "139.1")
    assert rec["title_ar"] == world.rec1.text_ar and rec["title_ckb"] == world.rec1.text_ckb
    assert isinstance(rec["n_ngos"], int) and rec["n_ngos"] == 3
    assert rec["mean"] == pytest.approx(275 / 3) and rec["median"] == 100
    assert (rec["n_75"], rec["n_100"], rec["n_0"]) == (1, 2, 0)
    assert rec["official"] == 25 and rec["gap"] == pytest.approx(25 - 275 / 3)
    low = next(r for r in rows if r["code"] == "139.2")
    assert low["low_coverage"] is True and low["n_ngos"] == 1
    about = {r["name"]: r["value"] for r in _sheets(response)["About"]}
    assert about["min_ngos"] == 2 and about["plan_title_ckb"] == world.plan.title_ckb


def test_an_xlsx_speaks_the_readers_language_and_a_csv_keeps_its_keys(world, app):
    client = client_as(app, world.coordinator, "/account?lang=ar", real=True)
    book = openpyxl.load_workbook(io.BytesIO(
        client.get(world.url("export/comparison.xlsx")).get_data()))
    assert book.sheetnames == ["المقارنة", "حق الرد", "حول الملف"]
    header = [c.value for c in next(book["المقارنة"].iter_rows())]
    assert header[:7] == ["المستوى", "رقم الملف", "رقم التوصية", "الرمز", "العنوان (بالعربية)",
                          "العنوان (بالكردية السورانية)", "العنوان (بالإنجليزية)"]
    assert "الفجوة" in header and not any("_" in h for h in header)
    csv_header = client.get(world.url("export/comparison.csv")).get_data().decode(
        "utf-8-sig").splitlines()[0]
    assert csv_header.startswith("level,file_id,recommendation_id,code,title_ar,")


def test_the_comparison_csv_reads_back_with_the_csv_module(world, app):
    client = _client(app, world.coordinator)
    response = client.get(world.url("export/comparison.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _csv(response)
    plan = rows[0]
    assert plan["level"] == "plan" and plan["title_ckb"] == world.plan.title_ckb
    assert float(plan["official"]) == 20 and float(plan["independent"]) == pytest.approx(
        59.7222, abs=1e-3)
    rec = next(r for r in rows if r["code"] == "139.1")
    assert rec["title_ar"] == world.rec1.text_ar and rec["title_ckb"] == world.rec1.text_ckb
    assert int(rec["n_ngos"]) == 3 and float(rec["mean"]) == pytest.approx(275 / 3)
    assert rec["flag"] == "TRUE"
    assert {r["level"] for r in rows} == {"plan", "file", "recommendation"}
    assert len(rows) == 1 + 2 + 6


def test_exports_answer_for_the_periods_of_the_coordinators_body_only(world, app):
    stranger = make.coordinator(make.body())
    db.session.commit()
    before = row_counts()
    ngo = _client(app, world.admins["alpha"])
    for what in ("export/comparison.csv", "export/comparison.xlsx",
                 "export/evaluations.csv", "export/evaluations.xlsx"):
        assert ngo.get(world.url(what)).status_code == 403, what
    evaluator = _client(app, world.evaluators["beta"])
    assert evaluator.get(world.url("export/evaluations.xlsx")).status_code == 403
    other = _client(app, stranger)
    assert other.get(world.url("export/evaluations.xlsx")).status_code == 404
    coordinator = _client(app, world.coordinator)
    response = coordinator.get(world.url("export/evaluations.pdf") + "?lang=en")
    assert response.status_code == 404 and "CSV or XLSX" in response.get_data(as_text=True)
    assert coordinator.get(world.url("export/comparison.csv", label="1999")).status_code == 404
    assert row_counts() == before


# --- the submitted evaluations -----------------------------------------------------------


def test_the_evaluations_export_holds_every_submitted_version_with_its_evidence(world, app):
    # A draft is the organisation's own: never exported.
    make.evaluation(world.orgs["beta"], world.recs["139.2"], world.period, 100, counted=False)
    db.session.commit()
    client = _client(app, world.coordinator)
    book = _sheets(client.get(world.url("export/evaluations.xlsx")))
    rows = book[world.period.label]
    assert len(rows) == 6
    assert [r["code"] for r in rows] == ["139.1", "139.1", "139.1", "139.2", "139.4", "139.4"]
    alpha = next(r for r in rows if r["organisation"] == world.orgs["alpha"].name
                 and r["code"] == "139.1")
    assert alpha["assessment"] == world.answers[("alpha", "139.1")]
    assert alpha["status_score"] == 100 and isinstance(alpha["status_score"], int)
    assert alpha["version"] == 1 and alpha["late"] is False and len(alpha["receipt_sha256"]) == 64
    assert alpha["file_title_ckb"] == world.file1.title_ckb
    # Evidence: the shared document by name, the kept one only counted.
    assert alpha["evidence_shared"] == world.shared.display_name
    assert alpha["evidence_kept"] == 1
    beta = next(r for r in rows if r["organisation"] == world.orgs["beta"].name
                and r["code"] == "139.4")
    assert beta["status_score"] == 25 and beta["assessment"] == world.answers[("beta", "139.4")]
    # Gamma chose a pseudonym for 139.1: its letter there, its name for 139.4.
    gamma_rows = [r for r in rows if r["pseudonymous"]]
    assert [(r["organisation"], r["code"]) for r in gamma_rows] == [("Organisation A", "139.1")]
    assert any(r["organisation"] == world.orgs["gamma"].name and r["code"] == "139.4"
               for r in rows)
    csv_rows = _csv(client.get(world.url("export/evaluations.csv")))
    assert [r["assessment"] for r in csv_rows] == [r["assessment"] for r in rows]
    assert csv_rows[0]["status_score"] in {"100", "75"}
    assert world.kept.display_name not in client.get(
        world.url("export/evaluations.csv")).get_data().decode("utf-8-sig")


# --- an NGO's own evaluations --------------------------------------------------------------


def test_an_ngo_exports_all_its_answers_and_its_evidence_list_and_nothing_else(world, app):
    draft = make.evaluation(world.orgs["alpha"], world.recs["139.3"], world.period, None,
                            counted=False, answers={"assessment": "مسودة لم تُرسل بعد"})
    db.session.commit()
    client = _client(app, world.evaluators["alpha"])
    response = client.get(f"/our-results/{world.plan.slug}/evaluations.xlsx")
    assert response.status_code == 200
    book = _sheets(response)
    rows = book["Evaluations"]
    assert sorted(r["code"] for r in rows) == ["139.1", "139.2", "139.3"]
    by_code = {r["code"]: r for r in rows}
    assert by_code["139.1"]["assessment"] == world.answers[("alpha", "139.1")]
    assert by_code["139.1"]["status_score"] == 100 and by_code["139.1"]["counted"] is True
    assert by_code["139.3"]["assessment"] == "مسودة لم تُرسل بعد"
    assert by_code["139.3"]["state"] == draft.state and by_code["139.3"]["counted"] is False
    assert by_code["139.1"]["text_ckb"] == world.rec1.text_ckb
    evidence = book["Evidence"]
    assert sorted(e["document"] for e in evidence) == sorted(
        [world.shared.display_name, world.kept.display_name])
    assert {e["visibility"] for e in evidence} == {"coordinator", "organization"}
    text = "\n".join(str(v) for sheet in book.values() for row in sheet for v in row.values())
    for key in ("beta", "gamma"):
        assert world.orgs[key].name not in text
        for (org, _code), answer in world.answers.items():
            if org == key:
                assert answer not in text


# --- formula injection ---------------------------------------------------------------------

#: Each prefix alone is covered by tests/test_tabular.py; here the issue's two payloads,
#: a sign and a hidden (whitespace) start travel through every exported column.
PAYLOADS = ["=cmd|' /C calc'!A0 ", "@SUM(1+1)*cmd|' /C calc'!A0 ", "-1+1 ", "\r=1+1 "]

#: Per export and sheet: columns holding user text (every value carries the payload and
#: must come out neutralised), columns mixing user text with fixed words (every value safe,
#: the payload present in one at least), and columns of fixed machine values. A text
#: column missing here fails the test.
COLUMNS = {
    "comparison": {
        "Comparison": ({"code", "title_ar", "title_ckb", "title_en", "official_source"},
                       {"right_of_reply"}, {"level", "measure"}),
        "Right of reply": ({"code", "title_ar", "title_ckb", "title_en", "body"}, {"author"},
                           {"level", "kind"}),
        "About": (set(), {"value"}, {"name"}),
    },
    "evaluations": {
        None: ({"code", "file_title_ar", "file_title_ckb", "file_title_en", "assessment",
                "government_actions", "evidence_links", "evidence_shared"}, {"organisation"},
               {"receipt_sha256", "status", "confidence", "information_date"}),
    },
    "own": {
        "Evaluations": ({"period", "code", "file_title_ar", "file_title_ckb", "file_title_en",
                         "text_ar", "text_ckb", "text_en", "assessment", "government_actions",
                         "evidence_links"}, set(),
                        {"state", "receipt_sha256", "status", "confidence",
                         "information_date"}),
        "Evidence": ({"period", "code", "document"}, set(),
                     {"question", "visibility", "content_type", "sha256"}),
        "Right of reply": ({"period", "code", "body"}, {"item"}, {"level", "kind", "author"}),
    },
}


def _dangerous(value: str) -> bool:
    if not value.startswith(FORMULA_PREFIXES):
        return False
    try:
        float(value)  # a negative number in a CSV is a number, not a formula
    except ValueError:
        return True
    return False


def _typed(value: str) -> object:
    """A CSV cell as the spreadsheet would take it: numbers, booleans and ISO dates are
    not text."""
    if value in ("TRUE", "FALSE"):
        return value == "TRUE"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.]+)?", value):
        return None
    try:
        return float(value)
    except ValueError:
        return value


def _check(table: list[dict], columns: tuple[set, set, set], where: str, payload: str
           ) -> None:
    user, mixed, machine = columns
    seen: dict[str, list[str]] = {}
    for row in table:
        for name, value in row.items():
            if isinstance(value, str) and value:
                assert not _dangerous(value), (where, name, value)
                seen.setdefault(name, []).append(value)
    assert set(seen) <= user | mixed | machine, (where, set(seen) - user - mixed - machine)
    for name in user:
        assert seen.get(name), (where, name, "no value to check")
        assert all(v.startswith("'") for v in seen[name]), (where, name, seen[name])
    for name in mixed:  # the payload reached the column (inside a value or neutralised)
        assert any(v.startswith("'") or payload.strip() in v for v in seen.get(name, [])), (
            where, name, seen.get(name))


@pytest.mark.parametrize("payload", PAYLOADS, ids=["equals", "at", "minus", "cr"])
def test_every_exported_text_column_is_neutralised(app, payload):
    world = make.Results(text=payload)
    for i, rec in enumerate(world.recs.values(), start=1):
        rec.code = f"{payload.strip()}{i}"
    # A label is part of URLs: no "/" (the catalogue should refuse one; it does not yet).
    world.period.label = f"{payload.strip().replace('/', '')}2023"
    db.session.flush()
    key = f"rec:{world.rec1.id}"
    result = comparison.compare(db.session, world.plan, world.period)
    replies.respond(db.session, world.plan, world.period, key, payload + "رد",
                    user=world.coordinator, result=result)
    replies.rejoin(db.session, world.plan, world.period, key, payload + "تعقيب",
                   user=world.admins["alpha"])
    replies.close(db.session, world.plan, world.period, key, payload + "إغلاق",
                  user=world.coordinator)
    db.session.commit()
    label = quote(world.period.label, safe="")
    coordinator = _client(app, world.coordinator)
    ngo = _client(app, world.admins["alpha"])
    exports = {
        "comparison": lambda fmt: coordinator.get(
            f"/reports/{world.plan.slug}/{label}/export/comparison.{fmt}"),
        "evaluations": lambda fmt: coordinator.get(
            f"/reports/{world.plan.slug}/{label}/export/evaluations.{fmt}"),
        "own": lambda fmt: ngo.get(f"/our-results/{world.plan.slug}/evaluations.xlsx"),
    }
    for name, fetch in exports.items():
        response = fetch("xlsx")
        assert response.status_code == 200, name
        sheets = _sheets(response)
        for title, columns in COLUMNS[name].items():
            table = sheets[title] if title is not None else next(iter(sheets.values()))
            _check(table, columns, f"{name} xlsx {title}", payload)
        if name != "own":
            first = next(iter(COLUMNS[name].values()))
            _check([{k: _typed(v) for k, v in row.items()} for row in _csv(fetch("csv"))],
                   first, f"{name} csv", payload)


# --- the printable report -----------------------------------------------------------------


def test_the_printable_report_has_the_charts_and_reads_right_to_left_in_ar_and_ckb(world, app):
    client = _client(app, world.coordinator)
    for lang, direction in (("ar", "rtl"), ("ckb", "rtl"), ("en", "ltr")):
        response = client.get(world.url(f"report?lang={lang}"))
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert f'<html lang="{lang}" dir="{direction}">' in page
        assert page.count("<svg") == 2  # the trend and the files
        assert 'direction="rtl"' in page if direction == "rtl" else 'direction="rtl"' not in page
        assert world.plan.title_ar in page if lang == "ar" else True
        assert all(f"{code}</bdi>" in page for code in world.recs)  # every recommendation
        assert 'href="/static/style.css"' in page  # the print rules
    css = client.get("/static/style.css")
    assert "@media print" in css.get_data(as_text=True)
    css.close()
    page = client.get(world.url("report?lang=en")).get_data(as_text=True)
    assert "How these figures are computed" in page and "Right of reply" in page
    # Aggregates only: no organisation and no answer in the report.
    for org in world.orgs.values():
        assert org.name not in page
    assert world.answers[("alpha", "139.1")] not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("results.%"))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 6


def test_the_two_comparison_csvs_have_their_own_names_and_one_boolean_spelling(world, app):
    client = _client(app, world.coordinator)
    plain = client.get(f"/reports/{world.plan.slug}/comparison.csv?period={world.period.label}")
    threads = client.get(world.url("export/comparison.csv"))
    names = [r.headers["Content-Disposition"] for r in (plain, threads)]
    assert names[0] != names[1] and "comparison-with-replies-" in names[1]
    for response in (plain, threads):
        flags = {row["flag"] for row in _csv(response)}
        assert flags <= {"TRUE", "FALSE", ""} and "TRUE" in flags, flags
