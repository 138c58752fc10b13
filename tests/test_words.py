"""Words people read: dates in Sorani read day, month, year with one spelling of the month;
deadlines show no seconds; the method names its measures in words; the dashboard says
where the results are published without putting a web address where a time belongs; counts
meet their nouns through ngettext in Arabic."""
from __future__ import annotations

import re

import factories as make
from babel.dates import get_month_names
from support import client_as

from monitor.extensions import db
from monitor.models import AuditEvent, utcnow
from monitor.services import mailer


def _page(client, url: str) -> str:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_sorani_dates_read_day_month_year_and_deadlines_show_no_seconds(app):
    body = make.body()
    plan = make.plan(body)  # deadline 2028-03-31 21:00 UTC: midnight, 1 April in Baghdad
    coordinator = make.coordinator(body)
    db.session.commit()
    client = client_as(app, coordinator)
    april = get_month_names("wide", locale="ckb_IQ")[4]
    january = get_month_names("wide", locale="ckb_IQ")[1]
    sorani = _page(client, f"/plans/{plan.slug}?lang=ckb")
    assert f"1 {april} 2028" in sorani  # the deadline
    assert f"1 {january} 2023" in sorani  # the period's first day
    assert f"2028 {april}" not in sorani and f"{january}ی" not in sorani
    english = _page(client, f"/plans/{plan.slug}?lang=en")
    assert "Apr 1, 2028, 12:00\u202fAM" in english
    for page in (sorani, english, _page(client, f"/plans/{plan.slug}?lang=ar")):
        assert not re.search(r"\d:\d\d:\d\d", page)


def test_the_method_names_its_measures_in_words(app):
    world = make.results()
    client = client_as(app, world.coordinator)
    for lang in ("ar", "ckb", "en"):
        page = _page(client, world.url() + f"?lang={lang}")
        assert "mean_score" not in page and "share_implemented" not in page, lang
    assert "the mean score is the average" in page


def test_the_dashboard_says_published_on_a_date_then_names_the_public_page(app):
    world = make.results()
    world.period.published_at = utcnow()
    db.session.commit()
    client = client_as(app, world.coordinator)
    arabic = _page(client, world.url() + "?lang=ar")
    assert "الساعة <a" not in arabic and "الصفحة العامة: <a" in arabic
    english = _page(client, world.url() + "?lang=en")
    assert re.search(r"Published on [^<]*· Public page: <a href=\"[^\"]*/results/", english)


def test_arabic_counts_use_the_forms_of_one_and_two(app):
    body = make.body()
    coordinator = make.coordinator(body)
    plan = make.plan(body)
    db.session.commit()
    client = client_as(app, coordinator)
    shown = []
    for _n in range(3):
        db.session.add(AuditEvent(action="plan.updated", object_type="Plan", object_id=plan.id,
                                  plan_id=plan.id, at=utcnow()))
        db.session.commit()
        shown.append(_page(client, "/audit/?lang=ar"))
    assert "قيد واحد" in shown[0] and "قيدان" in shown[1] and "3 قيود" in shown[2]
    assert not re.search(r"[12] قيود", "".join(shown))


def test_the_arabic_invitation_addresses_the_organisation_politely_and_counts_in_words(app):
    """One form of address, the polite plural, from greeting to contact line; no verb
    gendering the inviting body; "declining" is not an apology; one file of one or two
    recommendations reads «توصية واحدة», «توصيتان»."""
    body = make.body()
    plan = make.plan(body, files=2, recommendations_per_file=1)
    organization = make.organization()
    db.session.commit()
    with app.test_request_context():
        _subject, text, _html = mailer.render(
            "invitation", "ar", organization=organization, body=body, plan=plan,
            files=plan.files, counts={plan.files[0].id: 1, plan.files[1].id: 2},
            link="https://monitor.example/join/x", decline_link="https://monitor.example/d",
            expires="1 أيار 2027", reminder=False, approved=False, contact=None)
    assert text.startswith(f"السادة {organization.name} المحترمون،")
    assert f"دعوة من {body.name_ar} إلى منظمتكم" in text
    assert "(توصية واحدة)" in text and "(توصيتان)" in text and "1 توصية" not in text
    assert "للاعتذار عن المشاركة، افتحوا" in text
    singular = re.findall(r"\b(?:منظمتك|يمكنك|حسابك|افتح|تختار)\b", text)
    assert singular == []
