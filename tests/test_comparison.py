"""Independent versus official: known answers computed by hand, the single SQL pass, and
the coordinator's dashboard and drill-down."""
from __future__ import annotations

import datetime as dt
import re

import factories as make
import krippendorff
import numpy as np
import pytest
import sqlalchemy as sa
from support import login

from monitor.extensions import db
from monitor.models import (
    Attachment,
    Evaluation,
    EvaluationRevision,
    Questionnaire,
    Recommendation,
)
from monitor.services.evaluation import attachments, questionnaire
from monitor.services.results import comparison

# --- a small data set, computed by hand ------------------------------------------------------
#
#            A     B     C     D          n  mean     median  Q1     Q3     IQR   fully
# 139.1     100   100    75    –          3  91.667   100     87.5   100    12.5  66.7%
# 139.2      50     0    –     –          2  25       25      12.5   37.5   25    0%
# 139.3      –     –    n/i  (draft 100)  0  (no information and a draft do not count)
# 139.4      25    –     –     –          1  25       25      25     25     0     0%  low coverage
# 139.5      75    75   100    50         4  75       75      68.75  81.25  12.5  25%
# 139.6      –     –     –     –          0
# 139.7     –    100   100    –          2  100      100     100    100    0     100% (no file)
#
# File 1 = 139.1-139.3, file 2 = 139.4-139.6; 139.7 belongs to no file (plan level only).
# Plan: 5 of 7 evaluated (coverage 71.43%); mean of means (91.667+25+25+75+100)/5 = 63.333;
# medians 100, 25, 25, 75, 100 -> share implemented 2/5 = 40%.
# Official: plan 60% share_implemented -> gap +20, flagged. File 1: mean_score 60 -> gap
# 60 - 58.333 = +1.667. File 2: none (compared in the plan's measure: 0% implemented).
# Recommendations: 139.2 status 75 -> gap +50 (flag); 139.4 status 100 -> gap +75 but one
# NGO (no flag); 139.5 mean score 50 -> gap -25 (flag).


@pytest.fixture
def known(app):  # noqa: ANN001, ANN201
    owner = make.body()
    plan = make.plan(owner, slug="krg", periods=("2022", "2023"))
    p2022, p2023 = plan.periods
    recs = {r.code: r for r in db.session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id))}
    loose = Recommendation(plan=plan, code="139.7", sort_key="00139.00007", text_en="No file",
                           response="supported")
    db.session.add(loose)
    db.session.flush()
    recs["139.7"] = loose
    a, b, c, d = (make.organization(name) for name in ("Alpha", "Beta", "Gamma", "Delta"))
    make.ratings(recs["139.1"], p2023, [100, 100, 75], [a, b, c])
    make.ratings(recs["139.2"], p2023, [50, 0], [a, b])
    make.evaluation(c, recs["139.3"], p2023, None)  # "no information"
    make.evaluation(d, recs["139.3"], p2023, 100, counted=False)  # a draft
    make.ratings(recs["139.4"], p2023, [25], [a])
    make.ratings(recs["139.5"], p2023, [75, 75, 100, 50], [a, b, c, d])
    make.ratings(recs["139.7"], p2023, [100, 100], [b, c])
    # Another period's evaluations never leak into 2023.
    make.ratings(recs["139.6"], p2022, [0, 0], [a, b])
    file1, file2 = plan.files
    make.official(p2023, 60)
    make.official(p2023, 60, measure="mean_score", file=file1)
    make.official(p2023, None, measure="mean_score", rec=recs["139.2"], status_score=75)
    make.official(p2023, None, measure="mean_score", rec=recs["139.4"], status_score=100)
    make.official(p2023, 50, measure="mean_score", rec=recs["139.5"])
    make.official(p2022, 34.8)
    coordinator = make.coordinator(owner)
    db.session.commit()
    return {"plan": plan, "p2022": p2022, "p2023": p2023, "recs": recs, "orgs": (a, b, c, d),
            "files": (file1, file2), "coordinator": coordinator}


def _rec(result, code):  # noqa: ANN001, ANN202
    return next(r for r in result.recommendations if r.code == code)


def test_each_recommendation_gets_exactly_the_hand_computed_figures(known):
    result = comparison.compare(db.session, known["plan"], known["p2023"])
    expected = {
        # code: (n, mean, median, q1, q3, iqr, share_fully, distribution)
        "139.1": (3, 275 / 3, 100, 87.5, 100, 12.5, 200 / 3, {0: 0, 25: 0, 50: 0, 75: 1, 100: 2}),
        "139.2": (2, 25, 25, 12.5, 37.5, 25, 0, {0: 1, 25: 0, 50: 1, 75: 0, 100: 0}),
        "139.4": (1, 25, 25, 25, 25, 0, 0, {0: 0, 25: 1, 50: 0, 75: 0, 100: 0}),
        "139.5": (4, 75, 75, 68.75, 81.25, 12.5, 25, {0: 0, 25: 0, 50: 1, 75: 2, 100: 1}),
        "139.7": (2, 100, 100, 100, 100, 0, 100, {0: 0, 25: 0, 50: 0, 75: 0, 100: 2}),
    }
    for code, (n, mean, median, q1, q3, iqr, fully, dist) in expected.items():
        s = _rec(result, code).score
        assert (s.n, s.median, s.q1, s.q3, s.iqr, s.distribution) == (
            n, median, q1, q3, iqr, dist), code
        assert s.mean == pytest.approx(mean, abs=1e-12) and s.share_fully == pytest.approx(fully)
    for code in ("139.3", "139.6"):  # no information, a draft, another period: nothing
        s = _rec(result, code).score
        assert s.n == 0 and s.mean is None and s.median is None
        assert _rec(result, code).figures.low_coverage


def test_gaps_and_flags_per_recommendation_use_only_their_own_official_entry(known):
    result = comparison.compare(db.session, known["plan"], known["p2023"])
    rows = {code: _rec(result, code).figures for code in known["recs"]}
    assert (rows["139.2"].official, rows["139.2"].gap, rows["139.2"].flag) == (75, 50, True)
    # One NGO only: a gap of 75 points is shown but never flagged.
    assert (rows["139.4"].gap, rows["139.4"].flag, rows["139.4"].low_coverage) == (75, False, True)
    assert (rows["139.5"].official, rows["139.5"].gap, rows["139.5"].flag) == (50, -25, True)
    # No official entry: no gap, nothing derived from the file's or plan's figure.
    assert (rows["139.1"].official, rows["139.1"].gap, rows["139.1"].flag) == (None, None, False)
    assert all(f.measure == "mean_score" and f.coverage is None and f.alpha is None
               for f in rows.values())


def test_files_and_plan_use_the_measure_of_the_figure_they_are_compared_with(known):
    result = comparison.compare(db.session, known["plan"], known["p2023"])
    o = result.overall
    assert (o.measure, o.official, o.evaluated, o.total, o.n_ngos) == (
        "share_implemented", 60, 5, 7, 4)
    assert o.independent == pytest.approx(40)
    assert o.gap == pytest.approx(20) and o.flag and not o.low_coverage
    assert o.coverage == pytest.approx(500 / 7)
    assert result.independent_by_measure["mean_score"] == pytest.approx(316.6666666666667 / 5)
    assert result.submissions == 12

    f1, f2 = result.files
    assert (f1.figures.measure, f1.figures.official, f1.figures.evaluated, f1.figures.total) == (
        "mean_score", 60, 2, 3)
    assert f1.figures.independent == pytest.approx((275 / 3 + 25) / 2)
    assert f1.figures.gap == pytest.approx(60 - (275 / 3 + 25) / 2) and not f1.figures.flag
    assert f1.figures.coverage == pytest.approx(200 / 3) and f1.figures.n_ngos == 3
    # File 2 has no official figure: compared in the plan's measure, without a gap.
    assert (f2.figures.measure, f2.figures.official, f2.figures.independent, f2.figures.gap,
            f2.figures.flag) == ("share_implemented", None, 0, None, False)


def _reliability_matrix(known, codes):  # noqa: ANN001, ANN202
    """Coders (NGOs) x units (recommendations), NaN where an NGO did not rate."""
    orgs = [o.id for o in known["orgs"]]
    ids = [known["recs"][c].id for c in codes]
    data = np.full((len(orgs), len(ids)), np.nan)
    for e in db.session.scalars(sa.select(Evaluation).where(
            Evaluation.period_id == known["p2023"].id, Evaluation.counted.is_(True),
            Evaluation.status_score.is_not(None))):
        if e.recommendation_id in ids:
            data[orgs.index(e.organization_id), ids.index(e.recommendation_id)] = e.status_score
    return data


def test_agreement_is_krippendorffs_ordinal_alpha_as_the_reference_package_computes_it(known):
    result = comparison.compare(db.session, known["plan"], known["p2023"])
    plan_codes = ["139.1", "139.2", "139.3", "139.4", "139.5", "139.6", "139.7"]
    expected = krippendorff.alpha(reliability_data=_reliability_matrix(known, plan_codes),
                                  level_of_measurement="ordinal")
    assert result.overall.alpha == pytest.approx(expected, abs=1e-12)
    f1, f2 = result.files
    expected_f1 = krippendorff.alpha(
        reliability_data=_reliability_matrix(known, ["139.1", "139.2", "139.3"]),
        level_of_measurement="ordinal")
    assert f1.figures.alpha == pytest.approx(expected_f1, abs=1e-12)
    # File 1 by hand. Units 139.1 {75, 100, 100} and 139.2 {0, 50}: coincidences
    # o(100,100) = 1, o(75,100) = o(100,75) = 1, o(0,50) = o(50,0) = 1; n = 5 values
    # (0, 50, 75, 100, 100). Ordinal distances: d(0,50)^2 = (1+1-1)^2 = 1; d(0,75)^2 =
    # (1+1+1-1)^2 = 4; d(0,100)^2 = (1+1+1+2-1.5)^2 = 12.25; d(50,75)^2 = 1;
    # d(50,100)^2 = (1+1+2-1.5)^2 = 6.25; d(75,100)^2 = (1+2-1.5)^2 = 2.25.
    # D_o = 2*1*1 + 2*1*2.25 = 6.5; D_e = 2*(1*1*1 + 1*1*4 + 1*2*12.25 + 1*1*1 + 1*2*6.25
    # + 1*2*2.25) = 2*(1 + 4 + 24.5 + 1 + 12.5 + 4.5) = 95; alpha = 1 - (5-1)*6.5/95.
    assert f1.figures.alpha == pytest.approx(1 - 4 * 6.5 / 95, abs=1e-12)
    # File 2: 139.5 is the only unit with two or more ratings.
    expected_f2 = krippendorff.alpha(
        reliability_data=_reliability_matrix(known, ["139.4", "139.5", "139.6"]),
        level_of_measurement="ordinal")
    assert f2.figures.alpha == pytest.approx(expected_f2, abs=1e-12)


def test_a_period_without_submissions_gives_nulls_not_a_division_by_zero(app):
    plan = make.plan(periods=("2024",))
    period = plan.periods[0]
    org = make.organization()
    make.evaluation(org, plan.files[0].recommendations[0], period, 75, counted=False)
    make.official(period, 42.8)
    db.session.commit()
    result = comparison.compare(db.session, plan, period)
    assert result.is_empty and result.submissions == 0
    o = result.overall.as_dict()
    assert o == {"official": 42.8, "measure": "share_implemented", "independent": None,
                 "gap": None, "flag": False, "n_ngos": 0, "coverage": 0.0, "alpha": None,
                 "low_coverage": True}


def test_a_plan_without_recommendations_has_no_coverage_rather_than_an_error(app):
    plan = make.plan(files=1, recommendations_per_file=0)
    result = comparison.compare(db.session, plan, plan.periods[0])
    assert result.overall.coverage is None and result.files[0].figures.coverage is None


def test_retired_recommendations_count_where_they_were_evaluated(app):
    plan = make.plan(files=1, recommendations_per_file=4)
    period = plan.periods[0]
    r1, r2, r3, r4 = plan.files[0].recommendations
    orgs = [make.organization() for _ in range(2)]
    make.ratings(r1, period, [100, 100], orgs)
    make.ratings(r2, period, [0, 0], orgs)
    r2.retired_at = dt.datetime(2023, 6, 1)  # retired during the period, but evaluated
    r3.retired_at = dt.datetime(2023, 6, 1)  # retired, never evaluated: not counted
    r4.retired_at = dt.datetime(2024, 2, 1)  # retired after the period ended: still counted
    db.session.commit()
    result = comparison.compare(db.session, plan, period)
    assert [r.code for r in result.recommendations] == [r1.code, r2.code, r4.code]
    assert (result.overall.evaluated, result.overall.total) == (2, 3)
    assert result.overall.independent == 50  # mean of means 100 and 0


def test_thresholds_come_from_the_configuration(known, app):
    app.config["MONITOR_DIVERGENCE_THRESHOLD"] = 25.0
    app.config["MONITOR_MIN_NGOS"] = 3
    result = comparison.compare(db.session, known["plan"], known["p2023"])
    assert not result.overall.flag  # |20| < 25
    assert not _rec(result, "139.2").figures.flag  # two NGOs < 3
    assert _rec(result, "139.2").figures.low_coverage
    assert _rec(result, "139.5").figures.flag  # |-25| >= 25, four NGOs


def test_aggregation_is_one_grouped_query_over_evaluations(known):
    statements: list[str] = []

    def capture(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        comparison.compare(db.session, known["plan"], known["p2023"])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    touching = [s for s in statements if re.search(r"\bFROM evaluation\b", s)]
    assert len(touching) == 1
    assert "GROUP BY evaluation.period_id, evaluation.recommendation_id, " \
           "evaluation.status_score" in touching[0]


def test_all_periods_come_from_one_pass_and_the_trend_keeps_one_measure(known):
    results = comparison.compare_periods(db.session, known["plan"])
    p2022, p2023 = known["p2022"], known["p2023"]
    assert results[p2023.id].overall.independent == pytest.approx(40)
    assert results[p2022.id].overall.independent == 0  # 139.6 rated 0 and 0 in 2022
    overview = comparison.Overview(db.session, known["plan"])
    overview.comparison(p2023)  # the period shown: its summary comes from the comparison
    trend = comparison.trend(overview, "share_implemented")
    assert trend.labels == ["2022", "2023"]
    assert trend.official == [34.8, 60]
    assert trend.independent == [0, pytest.approx(40)]
    mean_trend = comparison.trend(comparison.Overview(db.session, known["plan"]), "mean_score")
    assert mean_trend.official == [None, None] and mean_trend.other_measure == ["2022", "2023"]
    assert mean_trend.independent == [0, pytest.approx(316.6666666666667 / 5)]


# --- the dashboard -------------------------------------------------------------------------


def test_the_coordinator_sees_the_headline_with_coverage_and_agreement(known, client):
    login(client, known["coordinator"].email)
    response = client.get("/reports/krg/comparison?period=2023&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    headline = page.split('id="headline-title"')[1].split('id="trend-title"')[0]
    assert "60.0%" in headline and "40.0%" in headline and "+20.0" in headline
    assert "71.4%" in headline and "5 of 7 recommendations" in headline
    assert "Divergent" in headline and "Krippendorff" in headline
    assert len(response.data) < 60_000
    assert "<script" not in page


def test_the_dashboard_defaults_to_the_latest_period_with_submissions(known, client):
    login(client, known["coordinator"].email)
    page = client.get("/reports/krg/comparison?lang=en").get_data(as_text=True)
    assert '<option value="2023" selected>' in page
    # A period also has its own address.
    page = client.get("/reports/krg/2022?lang=en").get_data(as_text=True)
    assert '<option value="2022" selected>' in page
    assert client.get("/reports/krg/1999").status_code == 404


def test_the_charts_are_accessible_svg_and_mirror_in_arabic(known, client):
    login(client, known["coordinator"].email)
    page = client.get("/reports/krg/comparison?period=2023&lang=ar").get_data(as_text=True)
    assert page.count('role="img"') >= 2
    assert '<title id="trend-t">' in page and '<desc id="trend-d">' in page
    assert '<title id="files-t">' in page
    assert 'direction="rtl"' in page
    # The text alternative lists the figures of each period.
    desc = re.search(r'<desc id="trend-d">(.*?)</desc>', page).group(1)
    assert "2022" in desc and "34.8%" in desc and "40.0%" in desc


def test_files_and_recommendations_show_gaps_flags_and_low_coverage(known, client):
    login(client, known["coordinator"].email)
    page = client.get("/reports/krg/comparison?period=2023&lang=en").get_data(as_text=True)
    files = page.split('id="files-title"')[1].split('id="recs-title"')[0]
    assert "+1.7" in files  # file 1: 60 - 58.3
    recs = page.split('id="recs-title"')[1].split('id="method"')[0]
    row_139_2 = recs.split(">139.2<")[1].split("</tr>")[0]
    assert "+50.0" in row_139_2 and "Divergent" in row_139_2
    row_139_4 = recs.split(">139.4<")[1].split("</tr>")[0]
    assert "Low coverage" in row_139_4 and "Divergent" not in row_139_4


def test_the_gap_caption_gives_the_real_reason_a_large_gap_is_not_flagged(app, client):
    owner = make.body()
    plan = make.plan(owner, slug="lone", periods=("2023",))
    (period,) = plan.periods
    rec = plan.files[0].recommendations[0]
    make.ratings(rec, period, [25], [make.organization("Alone")])
    make.official(period, 60)
    coordinator = make.coordinator(owner)
    db.session.commit()
    login(client, coordinator.email)
    page = client.get("/reports/lone/comparison?period=2023&lang=en").get_data(as_text=True)
    headline = page.split('id="headline-title"')[1].split('id="trend-title"')[0]
    assert "+60.0" in headline and "Within 15 points" not in headline
    assert "Not flagged although the gap is at least 15 points: fewer than 2 NGOs" in headline


def test_the_method_is_on_the_dashboard(known, client):
    login(client, known["coordinator"].email)
    page = client.get("/reports/krg/comparison?period=2023&lang=en").get_data(as_text=True)
    method = page.split('id="method"')[1]
    assert "Krippendorff" in method and "QUARTILE.INC" in method
    assert "at least 15 points" in method


def _codes_in_table(page: str) -> list[str]:
    table = page.split('id="recs-title"')[1].split('id="method"')[0]
    return re.findall(r'<bdi class="code">([^<]+)</bdi>', table)


def test_the_table_sorts_by_allowed_columns_only(known, client):
    login(client, known["coordinator"].email)
    base = "/reports/krg/comparison?period=2023&lang=en"
    by_code = _codes_in_table(client.get(base).get_data(as_text=True))
    assert by_code == ["139.1", "139.2", "139.3", "139.4", "139.5", "139.6", "139.7"]
    by_gap = _codes_in_table(client.get(base + "&sort=gap&dir=desc").get_data(as_text=True))
    assert by_gap[:3] == ["139.4", "139.2", "139.5"]  # +75, +50, -25; no gap last
    by_mean = _codes_in_table(client.get(base + "&sort=mean").get_data(as_text=True))
    assert by_mean[:5] == ["139.2", "139.4", "139.5", "139.1", "139.7"]
    for bad in ("sort=id;drop", "sort=__class__", "sort=text&dir=sideways"):
        response = client.get(f"{base}&{bad}")
        assert response.status_code == 200
        assert _codes_in_table(response.get_data(as_text=True)) == by_code


def test_the_table_is_paginated_and_bad_pages_show_page_one(app, client):
    owner = make.body()
    plan = make.plan(owner, files=2, recommendations_per_file=30)
    period = plan.periods[0]
    org = make.organization()
    make.evaluation(org, plan.files[0].recommendations[0], period, 50)
    user = make.coordinator(owner)
    db.session.commit()
    login(client, user.email)
    base = f"/reports/{plan.slug}/comparison?period=2023&lang=en"
    first = _codes_in_table(client.get(base).get_data(as_text=True))
    second = _codes_in_table(client.get(base + "&page=2").get_data(as_text=True))
    assert len(first) == 50 and len(second) == 10 and not set(first) & set(second)
    for bad in ("abc", "0", "-3", "99", "1e9"):
        response = client.get(f"{base}&page={bad}")
        assert response.status_code == 200
        assert _codes_in_table(response.get_data(as_text=True)) == first


def test_a_period_without_submissions_explains_why(known, client):
    plan = make.plan(known["plan"].body, slug="empty-plan", periods=("2024",))
    make.evaluation(known["orgs"][0], plan.files[0].recommendations[0], plan.periods[0], 50,
                    counted=False)
    db.session.commit()
    login(client, known["coordinator"].email)
    response = client.get("/reports/empty-plan/comparison?period=2024&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No independent evaluations for this period yet" in page
    assert "1 evaluation(s) are still in preparation" in page
    assert 'id="recs-title"' not in page


def test_unknown_plans_and_periods_are_404_pages(known, client):
    login(client, known["coordinator"].email)
    response = client.get("/reports/krg/comparison?period=1999&lang=en")
    assert response.status_code == 404
    assert "This plan has no reporting period “1999”." in response.get_data(as_text=True)
    assert client.get("/reports/nope/comparison?lang=en").status_code == 404
    assert client.get("/reports/krg/comparison/999999?period=2023").status_code == 404
    other = make.plan(make.body(), slug="other-body-plan")
    db.session.commit()
    assert client.get(f"/reports/{other.slug}/comparison").status_code == 404
    assert client.get(f"/reports/krg/comparison/{other.files[0].recommendations[0].id}"
                      "?period=2023").status_code == 404


def test_ngo_users_are_refused_and_anonymous_visitors_sent_to_sign_in(known, client):
    response = client.get("/reports/krg/comparison?period=2023")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    user = make.ngo_user(known["orgs"][0])
    db.session.commit()
    login(client, user.email)
    assert client.get("/reports/krg/comparison?period=2023").status_code == 403
    rec = known["recs"]["139.1"]
    assert client.get(f"/reports/krg/comparison/{rec.id}?period=2023").status_code == 403
    assert client.get("/reports/krg/comparison.csv?period=2023").status_code == 403


def test_the_csv_download_carries_the_same_numbers(known, client):
    login(client, known["coordinator"].email)
    response = client.get("/reports/krg/comparison.csv?period=2023")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    plan_row = text.splitlines()[1].split(",")
    assert plan_row[:5] == ["plan", "", "", "", "60"]


# --- the drill-down ------------------------------------------------------------------------


def test_the_drill_down_shows_each_counted_evaluation_with_shared_evidence_only(known, client):
    rec = known["recs"]["139.1"]
    a, b, c, d = known["orgs"]
    p2023 = known["p2023"]
    evaluations = {e.organization_id: e for e in db.session.scalars(sa.select(Evaluation).where(
        Evaluation.recommendation_id == rec.id, Evaluation.period_id == p2023.id))}
    evaluations[b.id].pseudonymous = True
    form = Questionnaire(plan_id=known["plan"].id, version=1,
                         definition=questionnaire.default_questionnaire())
    db.session.add(form)
    db.session.flush()
    for visibility, name in (("coordinator", "shared-report.pdf"),
                             ("organization", "internal-notes.pdf")):
        db.session.add(Attachment(evaluation_id=evaluations[a.id].id, stored_name=name,
                                  display_name=name, content_type="application/pdf", size=2048,
                                  sha256="0" * 64, visibility=visibility))
    db.session.flush()
    # The coordinator sees the documents of the submitted version, as a submission lists them.
    listed = attachments.describe(attachments.summaries(db.session, evaluations[a.id].id))
    for number, text in ((1, "An old assessment"), (2, "The law was passed in 2023")):
        db.session.add(EvaluationRevision(
            evaluation_id=evaluations[a.id].id, number=number, questionnaire_id=form.id,
            answers={"status": "100", "assessment": text, "confidence": "high",
                     "_attachments": listed},
            status_score=100, content_hash="0" * 64))
    make.evaluation(d, rec, p2023, 0, counted=False)  # a draft: not shown
    db.session.commit()

    login(client, known["coordinator"].email)
    response = client.get(f"/reports/krg/comparison/{rec.id}?period=2023&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Alpha" in page and "Gamma" in page
    assert "Beta" not in page and "Organisation A" in page  # pseudonymous
    assert "Delta" not in page
    assert "The law was passed in 2023" in page and "An old assessment" not in page
    assert "Fully implemented" in page and "High" in page  # choice labels, not names
    assert "shared-report.pdf" in page and "internal-notes.pdf" not in page
    shared = db.session.scalar(sa.select(Attachment).where(Attachment.visibility == "coordinator"))
    assert f'href="/evaluations/attachments/{shared.id}"' in page
    assert '<title id="distribution-t">' in page
    assert "91.7" in page and "87.5" in page  # mean, Q1


def test_the_drill_down_shows_the_official_entry(known, client):
    login(client, known["coordinator"].email)
    rec = known["recs"]["139.2"]
    page = client.get(f"/reports/krg/comparison/{rec.id}?period=2023&lang=en").get_data(
        as_text=True)
    official = page.split('id="official-title"')[1].split('id="independent-title"')[0]
    assert "75" in official and "Largely implemented" in official and "Annual report" in official
    assert "+50.0" in page


def test_the_comparison_filters_by_the_response_partial_support_included(known, client):
    recs = {r.code: r for r in db.session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == known["plan"].id))}
    recs["139.2"].response = "partially_supported"
    recs["139.5"].response = "noted"
    db.session.commit()
    login(client, known["coordinator"].email)
    base = "/reports/krg/comparison?period=2023&lang=en"
    page = client.get(base + "&response=partially_supported").get_data(as_text=True)
    assert _codes_in_table(page) == ["139.2"]
    assert '<option value="partially_supported" selected>Partially supported</option>' in page
    assert _codes_in_table(client.get(base + "&response=noted").get_data(as_text=True)) == [
        "139.5"]
    everything = _codes_in_table(client.get(base + "&response=bogus").get_data(as_text=True))
    assert len(everything) == 7
