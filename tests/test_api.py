"""The read-only JSON API and the CLI give the comparison with the same fields and the
same numbers as the dashboard; errors are JSON under /api."""
from __future__ import annotations

import csv
import io
import json

import pytest

import factories as make
from monitor.extensions import db
from support import login
from test_comparison import known  # noqa: F401 - the hand-computed data set

API = "/api/v1/plans/krg/comparison?period=2023"
LEVEL_FIELDS = {"level", "official", "measure", "independent", "gap", "flag", "n_ngos",
                "coverage", "alpha", "low_coverage", "evaluated", "total"}


def test_a_coordinator_reads_the_comparison_as_json(known, client):  # noqa: F811
    login(client, known["coordinator"].email)
    response = client.get(API)
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert data["plan"]["slug"] == "krg" and data["period"]["label"] == "2023"
    assert data["settings"] == {"min_ngos": 2, "divergence_threshold": 15.0}
    assert data["submissions"] == 12
    overall = data["overall"]
    assert set(overall) == LEVEL_FIELDS
    assert overall["level"] == "plan" and overall["measure"] == "share_implemented"
    assert (overall["official"], overall["flag"], overall["n_ngos"]) == (60, True, 4)
    assert overall["independent"] == pytest.approx(40)
    assert overall["gap"] == pytest.approx(20)
    assert overall["coverage"] == pytest.approx(500 / 7)
    file1, file2 = data["files"]
    assert set(file1) == LEVEL_FIELDS | {"id", "title"}
    assert file1["title"]["en"] == "File 1" and file1["official"] == 60
    assert file2["official"] is None and file2["gap"] is None and file2["flag"] is False
    recs = {r["code"]: r for r in data["recommendations"]}
    assert len(recs) == 7
    r2 = recs["139.2"]
    assert (r2["official"], r2["independent"], r2["gap"], r2["flag"], r2["n_ngos"]) == (
        75, 25, 50, True, 2)
    assert r2["coverage"] is None and r2["alpha"] is None  # not defined for one recommendation
    assert (r2["median"], r2["q1"], r2["q3"], r2["iqr"]) == (25, 12.5, 37.5, 25)
    assert r2["distribution"] == {"0": 1, "25": 0, "50": 1, "75": 0, "100": 0}
    r3 = recs["139.3"]
    assert (r3["independent"], r3["n_ngos"], r3["low_coverage"], r3["mean"]) == (
        None, 0, True, None)


def test_the_cli_gives_the_same_json_as_the_api(known, client, runner):  # noqa: F811
    login(client, known["coordinator"].email)
    api = client.get(API).get_json()
    result = runner.invoke(args=["report", "comparison", "--plan", "krg", "--period", "2023",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == api


def test_the_cli_csv_has_one_row_per_level_with_the_same_numbers(known, runner, client):  # noqa: F811
    result = runner.invoke(args=["report", "comparison", "--plan", "krg", "--period", "2023",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert [r["level"] for r in rows[:3]] == ["plan", f"file:{known['files'][0].id}",
                                             f"file:{known['files'][1].id}"]
    assert len(rows) == 1 + 2 + 7
    plan = rows[0]
    assert (plan["official"], plan["measure"], plan["independent"], plan["gap"], plan["flag"],
            plan["n_ngos"], plan["evaluated"], plan["total"]) == (
        "60", "share_implemented", "40", "20", "TRUE", "4", "5", "7")
    r5 = next(r for r in rows if r["code"] == "139.5")
    assert (r5["official"], r5["mean"], r5["gap"], r5["q1"], r5["q3"], r5["n_75"]) == (
        "50", "75", "-25", "68.75", "81.25", "2")
    # The CSV download on the dashboard is the same file.
    login(client, known["coordinator"].email)
    assert client.get("/reports/krg/comparison.csv?period=2023").data == result.stdout_bytes


def test_the_page_shows_the_numbers_of_the_api(known, client):  # noqa: F811
    login(client, known["coordinator"].email)
    api = client.get(API).get_json()
    page = client.get("/reports/krg/comparison?period=2023&lang=en").get_data(as_text=True)
    headline = page.split('id="headline-title"')[1].split('id="trend-title"')[0]
    assert f"{api['overall']['independent']:.1f}%" in headline
    assert f"+{api['overall']['gap']:.1f}" in headline
    assert f"{api['overall']['alpha']:.3f}" in headline


def test_the_cli_refuses_unknown_plans_and_periods(known, runner):  # noqa: F811
    result = runner.invoke(args=["report", "comparison", "--plan", "nope", "--period", "2023"])
    assert result.exit_code == 1 and "No plan has the short name nope" in result.output
    result = runner.invoke(args=["report", "comparison", "--plan", "krg", "--period", "1999"])
    assert result.exit_code == 1 and "periods: 2022, 2023" in result.output


def _error(response, status: int) -> str:  # noqa: ANN001
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()["error"]
    assert body["status"] == status
    return body["message"]


def test_anonymous_callers_get_a_json_401_not_a_redirect(known, client):  # noqa: F811
    _error(client.get(API, headers={"Accept-Language": "en"}), 401)


def test_ngo_users_get_a_json_403(known, client):  # noqa: F811
    user = make.ngo_user(known["orgs"][0])
    db.session.commit()
    login(client, user.email)
    _error(client.get(API), 403)


def test_unknown_plans_and_periods_are_json_404_with_a_message(known, client):  # noqa: F811
    login(client, known["coordinator"].email)
    headers = {"Accept-Language": "en"}
    assert "There is no plan “nope”." in _error(
        client.get("/api/v1/plans/nope/comparison?period=2023&lang=en", headers=headers), 404)
    assert "no reporting period “1999”" in _error(
        client.get("/api/v1/plans/krg/comparison?period=1999&lang=en", headers=headers), 404)
    assert "?period=" in _error(client.get("/api/v1/plans/krg/comparison?lang=en"), 400)
    make.plan(make.body(), slug="elsewhere")
    db.session.commit()
    _error(client.get("/api/v1/plans/elsewhere/comparison?period=2023"), 404)
    _error(client.get("/api/v1/nothing-here"), 404)


def test_an_empty_period_gives_nulls_in_json(app, client):
    owner = make.body()
    make.plan(owner, slug="quiet", periods=("2024",))
    user = make.coordinator(owner)
    db.session.commit()
    login(client, user.email)
    data = client.get("/api/v1/plans/quiet/comparison?period=2024").get_json()
    assert data["submissions"] == 0
    assert (data["overall"]["independent"], data["overall"]["gap"], data["overall"]["alpha"],
            data["overall"]["coverage"], data["overall"]["measure"]) == (
        None, None, None, 0, "mean_score")
    assert all(r["mean"] is None for r in data["recommendations"])
