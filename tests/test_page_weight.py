"""Light pages: each main page's HTML plus the CSS and JavaScript it loads stays within
60 KB uncompressed (LimeSurvey's default survey page loads about 1.7 MB), with a realistic
catalogue of 300 recommendations behind it. The weights are printed for the record."""
from __future__ import annotations

import re

import pytest

import factories as make
from monitor.extensions import db
from support import login

BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"?]+)')


def page_weight(client, url: str) -> int:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data()
    total = len(html)
    for asset in set(ASSET.findall(html.decode())):
        with client.get(asset) as static:
            total += len(static.get_data())
    return total


@pytest.fixture
def big_plan():  # noqa: ANN201
    body = make.body()
    plan = make.plan(body, files=6, recommendations_per_file=50)
    org = make.organization()
    make.enrol(org, plan)
    users = {
        "coordinator": make.coordinator(body),
        "ngo_admin": make.ngo_user(org, "ngo_admin"),
        "evaluator": make.ngo_user(org, "evaluator"),
    }
    db.session.commit()
    return plan, users


def _pages(role: str, plan) -> list[str]:  # noqa: ANN001
    period = plan.periods[0].label
    return {
        None: ["/login", "/reset"],
        "coordinator": ["/plans/", f"/plans/{plan.slug}", f"/plans/{plan.slug}/recommendations",
                        "/organizations", f"/reports/{plan.slug}/{period}"],
        "ngo_admin": ["/ngo", "/evaluations/"],
        "evaluator": ["/evaluations/"],
    }[role]


@pytest.mark.parametrize("role", [None, "coordinator", "ngo_admin", "evaluator"])
def test_main_pages_stay_within_the_budget(app, big_plan, role, capsys):
    plan, users = big_plan
    client = app.test_client()
    if role:
        login(client, users[role].email)
    weights = {}
    for url in _pages(role, plan):
        weights[url] = page_weight(client, url)
    with capsys.disabled():
        for url, size in weights.items():
            print(f"\n  page weight {size / 1024:6.1f} KB  {role or 'anonymous'} {url}", end="")
    assert {u: s for u, s in weights.items() if s > BUDGET} == {}
