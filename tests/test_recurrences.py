"""A recommendation made again at a later UPR review is linked to the earlier one
(services.catalogue.recurrences), and its pages show the earlier one with the evaluations
the viewer may already see there (services.results.earlier_cycle) — never another NGO's."""
from __future__ import annotations

import factories as make
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from support import login, shared_data

from monitor.extensions import db
from monitor.models import Plan, Recommendation
from monitor.services.catalogue import importing, recurrences

HEADER = "code,text_en,recommending_state,response,cycle,session,document\n"
CYCLE_1 = HEADER + (
    '81.1,"Abolish the death penalty",Germany,noted,1,7,A/HRC/14/14\n'
    '81.2,"Ratify the Rome Statute of the International Criminal Court",Mexico,noted,1,7,'
    'A/HRC/14/14\n'
    '81.3,"Protect the rights of women",Chile,supported,1,7,A/HRC/14/14\n')
CYCLE_2 = HEADER + (
    # UPR Info's and the UN's edits of the same words: the text key leaves them aside
    '127.1,"Abolish the Death Penalty.",Germany; France,noted,2,20,A/HRC/28/14\n'
    # the same text by another State: not a repetition
    '127.2,"Ratify the Rome Statute of the International Criminal Court",Guatemala,supported,'
    '2,20,A/HRC/28/14\n'
    '127.3,"Protect the rights of children",Chile,supported,2,20,A/HRC/28/14\n')


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def load(plan: Plan, text: str, name: str = "list.csv") -> importing.ImportPreview:
    return make.imported(plan, text, name)


def rec(plan: Plan, code: str) -> Recommendation:
    return db.session.scalar(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id, Recommendation.code == code))


def two_cycles(same_body: bool = True):
    body = make.body()
    first = make.plan(body, files=1, recommendations_per_file=0)
    second = make.plan(body if same_body else make.body(), files=1, recommendations_per_file=0)
    load(first, CYCLE_1)
    load(second, CYCLE_2)
    for plan in (first, second):  # every recommendation in the plan's one file
        db.session.execute(sa.update(Recommendation).where(
            Recommendation.plan_id == plan.id).values(file_id=plan.files[0].id))
    db.session.commit()
    return first, second


def test_an_import_links_a_recommendation_to_the_earlier_cycle_one_it_repeats():
    first, second = two_cycles()
    assert rec(second, "127.1").earlier_id == rec(first, "81.1").id
    # same text, another State; same State, another text; the earlier one links nowhere
    assert rec(second, "127.2").earlier_id is None
    assert rec(second, "127.3").earlier_id is None
    assert rec(first, "81.1").earlier_id is None


def test_another_governing_bodys_plans_are_never_linked():
    _first, second = two_cycles(same_body=False)
    assert rec(second, "127.1").earlier_id is None


def test_both_cycles_in_one_plan_are_linked_too_and_the_order_of_imports_does_not_matter():
    plan = make.plan(files=1, recommendations_per_file=0)
    load(plan, CYCLE_2)  # the later review first
    load(plan, CYCLE_1)
    later = db.session.scalar(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id, Recommendation.document == "A/HRC/28/14",
        Recommendation.code == "127.1"))
    earlier = db.session.scalar(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id, Recommendation.code == "81.1"))
    assert later.earlier_id == earlier.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation).where(
        Recommendation.plan_id == plan.id)) == 6


def test_the_command_recomputes_the_links(runner):
    first, second = two_cycles()
    db.session.execute(sa.update(Recommendation).values(earlier_id=None))
    db.session.commit()
    result = runner.invoke(args=["catalogue", "link-recurrences", "--plan", second.slug])
    assert result.exit_code == 0, result.output
    assert "Recommendations that repeat an earlier cycle's: 1 (links changed: 1)" \
        in result.output
    db.session.expire_all()
    assert rec(second, "127.1").earlier_id == rec(first, "81.1").id
    again = runner.invoke(args=["catalogue", "link-recurrences", "--plan", first.slug])
    assert "(links changed: 0)" in again.output


def _evaluations_of_the_earlier_one():
    first, second = two_cycles()
    mine, theirs = make.organization("Our own NGO"), make.organization("Another NGO")
    for org in (mine, theirs):
        make.enrol(org, first)
        make.enrol(org, second)
    earlier = rec(first, "81.1")
    own = make.evaluation(mine, earlier, first.periods[0], None, counted=False)  # a draft
    other = make.evaluation(theirs, earlier, first.periods[0], 75)
    evaluator = make.ngo_user(mine, "evaluator")
    coordinator = make.coordinator(first.body)
    db.session.commit()
    return first, second, own, other, evaluator, coordinator


def test_the_evaluation_page_shows_the_earlier_one_with_only_the_ngos_own_evaluation(client):
    _first, second, own, other, evaluator, _coordinator = _evaluations_of_the_earlier_one()
    later = rec(second, "127.1")
    login(client, evaluator.email)
    page = client.get(f"/evaluations/period/{second.periods[0].id}/recommendation/{later.id}"
                      "?lang=en").get_data(as_text=True)
    assert "Also made in cycle 1" in page and "81.1" in page
    assert "Abolish the death penalty" in page
    assert f"/evaluations/{own.id}\"" in page and "Draft" in page
    # never the other organisation's evaluation, its name or its score
    assert f"/evaluations/{other.id}\"" not in page and "Another NGO" not in page
    assert f"/evaluations/review/{other.id}" not in page
    # the earlier recommendation's own page answers the same: only our evaluation opens
    assert client.get(f"/evaluations/{own.id}").status_code == 200
    assert client.get(f"/evaluations/{other.id}").status_code == 404


def test_an_ngo_not_taking_part_in_the_earlier_plan_sees_nothing_of_it(client):
    first, second = two_cycles()
    newcomer = make.organization("Only in the second plan")
    make.enrol(newcomer, second)
    earlier = rec(first, "81.1")
    other = make.organization("Another NGO")
    make.enrol(other, first)
    make.evaluation(other, earlier, first.periods[0], 75)
    evaluator = make.ngo_user(newcomer, "evaluator")
    db.session.commit()
    login(client, evaluator.email)
    page = client.get(f"/evaluations/period/{second.periods[0].id}/recommendation/"
                      f"{rec(second, '127.1').id}?lang=en").get_data(as_text=True)
    assert "Abolish the Death Penalty" in page  # the recommendation itself
    assert "Also made in cycle" not in page and "81.1" not in page


def test_the_coordinators_drill_down_shows_the_earlier_ones_counted_evaluations(client):
    first, second, _own, other, _evaluator, coordinator = _evaluations_of_the_earlier_one()
    draft = make.evaluation(make.organization("Drafting NGO"), rec(first, "81.1"),
                            first.periods[0], None, counted=False)
    db.session.commit()
    login(client, coordinator.email)
    page = client.get(f"/reports/{second.slug}/comparison/{rec(second, '127.1').id}?lang=en"
                      ).get_data(as_text=True)
    assert "Also made in cycle 1" in page
    assert f"/reports/{first.slug}/comparison/{rec(first, '81.1').id}" in page
    assert "Another NGO" in page and f"/evaluations/review/{other.id}" in page
    assert "Our own NGO" not in page  # a draft: the organisation's own
    assert f"/evaluations/review/{draft.id}" not in page and "Drafting NGO" not in page


def test_real_documents_iraq_cycles_one_and_two_share_no_recommendation_by_the_same_state():
    """Iraq's first (A/HRC/14/14) and second (A/HRC/28/14) reviews: two texts recur
    ("Ratify the Rome Statute …": Mexico, then Guatemala; "Undertake additional measures to
    protect rights of women and children": Ukraine, then Viet Nam), each by another State:
    no link."""
    body = make.body()
    first = make.plan(body, files=0, periods=())
    first.default_cycle = "1"
    second = make.plan(body, files=0, periods=())
    preview = importing.preview_import(
        db.session, first, shared_data("upr-real/iraq-cycle1-A-HRC-14-14-numbered.txt")
        .read_bytes(), "iraq-cycle1.txt")
    importing.apply_import(db.session, first, preview)
    preview = importing.preview_import(
        db.session, second, shared_data("upr-iraq-cycle2-A-HRC-28-14.csv").read_bytes(),
        "iraq-cycle2.csv")
    importing.apply_import(db.session, second, preview)
    db.session.commit()
    links = recurrences.earlier_links(db.session, body.id)
    assert len(links) == 176 + 241 and not any(links.values())
    rome = [r for r in db.session.scalars(sa.select(Recommendation)) if (r.text_en or "")
            .startswith("Ratify the Rome Statute of the International Criminal Court")]
    assert sorted(r.recommending_states for r in rome) == ["Guatemala", "Mexico"]
    # Made again by Mexico at the second review, it would be linked.
    guatemala = next(r for r in rome if r.recommending_states == "Guatemala")
    guatemala.recommending_states, guatemala.state_codes = "Mexico", ["MX"]
    db.session.commit()
    assert recurrences.link_recurrences(db.session, second).linked == 1
    mexico = next(r for r in rome if r.cycle == "1")
    assert db.session.get(Recommendation, guatemala.id).earlier_id == mexico.id
