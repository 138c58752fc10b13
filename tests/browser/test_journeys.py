"""The main journeys in a real browser (Debian's Chromium through Playwright), in Arabic and
English at phone width: a coordinator invites two NGOs; the first opens the link in the
email the test SMTP server received, registers, monitors two files and declines the third;
the second declines outright; the first NGO's administrator fills in and submits an
assessment with a PDF attached; the coordinator opens the comparison dashboard and the
drill-down. Every step checks `dir` and `lang`, that nothing overflows 360 px, that form
controls are labelled and reachable by keyboard, and saves a screenshot to tests/artifacts/.
Sign-in is done with the keyboard alone; a refused field shows its error next to it.

Then the main pages of the demo (seeded once for the module) in Arabic and Sorani at
phone and desktop width: direction, no horizontal overflow, screenshots."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import factories as make
import pytest
import sqlalchemy as sa
from support import DATABASE_URL, PASSWORD, base_config

from browser.browser_support import no_horizontal_overflow, shot
from browser.conftest import LiveServer
from monitor import create_app
from monitor.demo import seed as demo
from monitor.extensions import db
from monitor.models import (
    Attachment,
    Evaluation,
    FileChoice,
    Invitation,
    Organization,
    Plan,
    Recommendation,
    ReportingPeriod,
    User,
    utcnow,
)

#: Elements sticking out of the viewport (outside the scrolling table wrappers), to say
#: what overflows when a page does.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".table-wrap, figure, .skip")) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)) {
      found.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
                 + (el.id ? "#" + el.id : "") + " " + Math.round(box.left) + ".."
                 + Math.round(box.right));
    }
  }
  return found.slice(0, 8);
}"""

#: Accessibility faults a page can show without a human: form controls without a label,
#: aria references to missing ids, duplicate ids, controls out of the keyboard's reach,
#: images and buttons without a text alternative.
A11Y_FAULTS = """() => {
  const faults = [];
  const short = el => el.outerHTML.slice(0, 90);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset"].includes(el.type)) continue;
    if (!el.labels.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      faults.push("no label: " + short(el));
  }
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const el of document.querySelectorAll("[" + attr + "]")) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) faults.push(attr + " names no element: " + short(el));
      }
    }
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]:not(input[type=hidden])")) {
    if (seen.has(el.id)) faults.push("duplicate id: " + el.id);
    seen.add(el.id);
  }
  const focusable = "a[href], button, input, select, textarea, [tabindex]";
  for (const el of document.querySelectorAll(focusable)) {
    if (el.tabIndex > 0) faults.push("positive tabindex: " + short(el));
    if (el.tabIndex < 0 && !el.disabled && el.type !== "hidden" && !el.closest("[hidden]"))
      faults.push("out of keyboard reach: " + short(el));
  }
  for (const el of document.querySelectorAll("img:not([alt])"))
    faults.push("img without alt: " + short(el));
  for (const el of document.querySelectorAll("svg[role=img]")) {
    if (!el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      faults.push("chart without a name: " + short(el));
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (!el.textContent.trim() && !el.getAttribute("aria-label"))
      faults.push("no text: " + short(el));
  }
  return faults;
}"""

DIRECTION = {"ar": "rtl", "ckb": "rtl", "en": "ltr"}


def check_page(page, lang: str, name: str) -> list[str]:  # noqa: ANN001
    """Direction and language of the page, accessibility faults, horizontal overflow, a
    screenshot. Returns the problems found (empty when none)."""
    problems = []
    html_lang, html_dir = page.get_attribute("html", "lang"), page.get_attribute("html", "dir")
    if (html_lang, html_dir) != (lang, DIRECTION[lang]):
        problems.append(f"{name}: <html lang={html_lang} dir={html_dir}>, expected "
                        f"lang={lang} dir={DIRECTION[lang]}")
    problems += [f"{name}: {fault}" for fault in page.evaluate(A11Y_FAULTS)]
    if not no_horizontal_overflow(page):
        problems.append(f"{name}: overflows {page.viewport_size['width']} px: "
                        f"{page.evaluate(OVERFLOWING)}")
    shot(page, name)
    return problems


def submit(page, selector: str) -> None:  # noqa: ANN001
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page, base: str, email: str, lang: str) -> None:  # noqa: ANN001
    """With the keyboard only: the first Tab reaches the skip link, shown on screen; Tab
    goes from the email to the password; Enter signs in."""
    page.goto(f"{base}/login?lang={lang}")
    page.keyboard.press("Tab")
    skip = page.evaluate("""() => {
      const el = document.activeElement, box = el.getBoundingClientRect();
      return [el.className, el.getAttribute("href"),
              box.width > 0 && box.left >= 0 && box.right <= window.innerWidth];
    }""")
    assert skip == ["skip", "#main", True], skip
    page.focus("input[name=email]")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url, f"{email} could not sign in"


#: The error of a field: announced (role=alert), right after the field, and tied to it.
FIELD_ERROR = """(selector) => {
  const field = document.querySelector(selector);
  const ids = (field.getAttribute("aria-describedby") || "").split(" ");
  const error = document.getElementById(ids[ids.length - 1]);
  return {invalid: field.getAttribute("aria-invalid"), role: error && error.getAttribute("role"),
          next_to_field: !!error && field.nextElementSibling === error,
          text: error ? error.textContent.trim() : ""};
}"""


def fresh() -> None:
    """End the test's read transaction: the next query sees what the server wrote."""
    db.session.rollback()


# --- the whole loop, once per language ----------------------------------------------------

ORGANIZATIONS = {
    # Mixed scripts on purpose: names must stay readable inside sentences of either direction.
    "ar": ("منظمة الأمل لحقوق الإنسان (Hope)", "جمعية النور 2"),
    "en": ("Hope for Human Rights", "جمعية النور Light Association"),
}
ASSESSMENT = {
    "ar": "صدر قانون جديد في 2023 يتعلق بالتوصية 139.1، لكن تطبيقه ما زال جزئياً (42.8%).",
    "en": "A law was passed in 2023 under recommendation 139.1, but only 42.8% is applied.",
}


@dataclass
class Journey:
    lang: str
    problems: list[str] = field(default_factory=list)
    step: int = 0

    def check(self, page, name: str) -> None:  # noqa: ANN001
        self.step += 1
        self.problems += check_page(page, self.lang, f"journey-{self.lang}-{self.step:02d}-{name}")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_coordinator_invites_ngos_one_registers_and_evaluates_and_the_dashboard_shows_it(
        page_factory, live_app, live_smtp, lang):
    body = make.body()
    plan = make.plan(body, files=3, recommendations_per_file=2)
    coordinator = make.coordinator(body)
    first = make.organization(ORGANIZATIONS[lang][0], language=lang)
    second = make.organization(ORGANIZATIONS[lang][1], language=lang)
    db.session.commit()
    files = list(plan.files)
    rec = files[0].recommendations[0]
    base = live_app.url
    journey = Journey(lang)

    # The coordinator invites both organisations and sends the invitations.
    coord = page_factory(360, lang)
    sign_in(coord, base, coordinator.email, lang)
    coord.goto(f"{base}/plans/{plan.slug}/invitations")
    journey.check(coord, "invitations")
    for org in (first, second):
        coord.check(f'input[name=organization][value="{org.id}"]')
    submit(coord, 'form[action$="/invitations"] button.secondary')
    assert coord.url.endswith(f"/plans/{plan.slug}/sending")
    journey.check(coord, "sending")
    submit(coord, "main form[method=post] button[type=submit]")
    journey.check(coord, "sent")
    links = {}
    for org in (first, second):
        messages = live_smtp.to(org.email)
        assert len(messages) == 1, f"{org.email} received {len(messages)} invitations"
        found = live_smtp.links(messages[0], rf"{base}/join/\S+")
        links[org.id] = {"join": next(u for u in found if not u.endswith("/decline")),
                         "decline": next(u for u in found if u.endswith("/decline"))}

    # The first organisation opens its link: the page speaks the organisation's language.
    ngo = page_factory(360, lang)
    ngo.goto(links[first.id]["join"])
    assert ngo.url.split("#")[0] == f"{base}/join", "the token must leave the address bar"
    journey.check(ngo, "join")
    register = 'form[action$="/join/register"]'
    ngo.fill(f"{register} input[name=name]", "ڕێزان Karim" if lang == "ar" else "Rezan Karim")
    ngo.fill(f"{register} input[name=password]", PASSWORD)
    ngo.fill(f"{register} input[name=confirm]", PASSWORD + " typo")
    submit(ngo, f"{register} button[type=submit]")
    error = ngo.evaluate(FIELD_ERROR, f"{register} input[name=confirm]")
    assert (error["invalid"], error["role"], error["next_to_field"]) == ("true", "alert", True)
    if lang == "en":
        assert error["text"] == "The two passwords are not the same."
    journey.check(ngo, "join-refused")
    ngo.fill(f"{register} input[name=password]", PASSWORD)
    ngo.fill(f"{register} input[name=confirm]", PASSWORD)
    submit(ngo, f"{register} button[type=submit]")
    assert "/ngo" in ngo.url
    journey.check(ngo, "registered")

    # It monitors the first two files; the third, left unticked, is declined.
    for rf in files[:2]:
        ngo.check(f'input[name=file][value="{rf.id}"]')
    submit(ngo, 'form[action*="/choices"] button[type=submit]')
    journey.check(ngo, "files-chosen")
    fresh()
    choices = dict(db.session.execute(sa.select(FileChoice.file_id, FileChoice.choice)
                                      .where(FileChoice.organization_id == first.id)).all())
    assert choices == {files[0].id: "monitoring", files[1].id: "monitoring",
                       files[2].id: "declined"}
    admin = db.session.scalar(sa.select(User).where(User.organization_id == first.id))
    assert (admin.role, admin.email, admin.language) == ("ngo_admin", first.email, lang)
    assert len(live_smtp.wait_for(first.email, 2)) == 2, "no confirmation of the choices"

    # The second organisation declines outright, from the decline link.
    other = page_factory(360, lang)
    other.goto(links[second.id]["decline"])
    journey.check(other, "decline")
    decline = 'form[action$="/join/decline"]'
    other.fill(f"{decline} textarea[name=reason]", "لا نملك الموارد" if lang == "ar"
               else "We lack the staff this year.")
    submit(other, f"{decline} button[type=submit]")
    journey.check(other, "declined")
    fresh()
    assert db.session.scalar(sa.select(Invitation.status).where(
        Invitation.organization_id == second.id)) == "declined"

    # The first organisation's administrator evaluates a recommendation, with evidence.
    ngo.goto(f"{base}/evaluations/")
    journey.check(ngo, "evaluations")
    assert rec.code in ngo.inner_text("main")
    assert files[2].recommendations[0].code not in ngo.inner_text("main"), "declined file"
    with ngo.expect_navigation():
        ngo.click(f'a[href$="/recommendation/{rec.id}"]')
    journey.check(ngo, "evaluation-form")
    ngo.check('input[name="q.status"][value="50"]')
    ngo.check('input[name="q.confidence"][value="medium"]')
    ngo.fill('textarea[name="q.assessment"]', ASSESSMENT[lang])
    ngo.fill('input[name="q.information_date"]', "2023-06-30")
    submit(ngo, "form.answers button[type=submit]:not([formaction])")
    upload = "#attachments"  # part of the answers form: attaching saves the answers too
    ngo.set_input_files(f"{upload} input[type=file]", files=[{
        "name": "evidence 139.1.pdf", "mimeType": "application/pdf", "buffer": make.WORLD_PDF}])
    ngo.check(f'{upload} input[name=visibility][value=coordinator]')
    submit(ngo, f"{upload} button[formenctype]")
    ngo.set_input_files(f"{upload} input[type=file]", files=[{  # kept within the NGO
        "name": "witnesses.pdf", "mimeType": "application/pdf", "buffer": make.WORLD_PDF}])
    submit(ngo, f"{upload} button[formenctype]")
    journey.check(ngo, "evaluation-attached")
    submit(ngo, 'button[formaction$="/submit"]')
    journey.check(ngo, "evaluation-submitted")
    fresh()
    evaluation = db.session.scalar(sa.select(Evaluation).where(
        Evaluation.organization_id == first.id))
    assert (evaluation.recommendation_id, evaluation.state, evaluation.counted,
            evaluation.status_score) == (rec.id, "submitted", True, 50)
    assert evaluation.answers["assessment"] == ASSESSMENT[lang]
    attachments = dict(db.session.execute(sa.select(
        Attachment.display_name, Attachment.visibility).where(
        Attachment.evaluation_id == evaluation.id)).all())
    assert attachments == {"evidence 139.1.pdf": "coordinator", "witnesses.pdf": "organization"}

    # The coordinator opens the comparison dashboard, then the recommendation's drill-down.
    coord.goto(f"{base}/reports/{plan.slug}/2023")
    journey.check(coord, "dashboard")
    table = coord.inner_text("table.recs")
    assert rec.code in table
    if lang == "en":
        assert "Independent versus official" in coord.inner_text("h1")
    with coord.expect_navigation():
        coord.click(f'table.recs a[href*="/comparison/{rec.id}?"]')
    journey.check(coord, "drill-down")
    main = coord.inner_text("main")
    assert first.name in main and "evidence 139.1.pdf" in main
    assert "witnesses.pdf" not in main, "a document kept within the NGO reached the coordinator"
    assert "_attachments" not in main and "sha256" not in main, "the receipt's metadata shows"
    assert ASSESSMENT[lang] in main
    coord.goto(f"{base}/plans/{plan.slug}/invitations?status=declined")
    journey.check(coord, "invitations-after")
    assert second.name in coord.inner_text("main")

    assert journey.problems == []


# --- the main pages of the demo in Arabic and Sorani --------------------------------------


@dataclass
class DemoSite:
    url: str
    coordinator: str
    ngo_admin: str
    coordinator_pages: list[tuple[str, str]]
    ngo_pages: list[tuple[str, str]]


def _truncate(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="module")
def demo_site(database_template, demo_template, tmp_path_factory):  # noqa: ANN001, ANN201
    """The demo, seeded once for the module (on SQLite, copied from the worker's seeded
    demo), served by a live server."""
    tmp = tmp_path_factory.mktemp("demo-site")
    if DATABASE_URL:
        url = database_template
    else:
        shutil.copyfile(demo_template[0], tmp / "monitor.db")
        url = f"sqlite:///{tmp / 'monitor.db'}"
    app = create_app(base_config(tmp) | {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        summary = demo_template[1] if demo_template else demo.seed(db.session, password=PASSWORD)
        coordinator = next(e for e, role in summary.logins if role == "coordinator (all bodies)")
        plan = db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))
        periods = {p.label: p for p in plan.periods}
        last_year = str(utcnow().year - 1)  # the demo's last closed period
        org = db.session.scalar(sa.select(Organization).where(
            Organization.email == "shnaba@example.org"))
        admin = db.session.scalar(sa.select(User.email).where(
            User.organization_id == org.id, User.role == "ngo_admin"))
        # The recommendation most NGOs rated last year, for the drill-down.
        rated = db.session.execute(
            sa.select(Evaluation.recommendation_id, sa.func.count())
            .where(Evaluation.period_id == periods[last_year].id, Evaluation.counted.is_(True))
            .group_by(Evaluation.recommendation_id)
            .order_by(sa.func.count().desc(), Evaluation.recommendation_id)).first()
        submitted = db.session.scalar(sa.select(Evaluation.id).where(
            Evaluation.organization_id == org.id, Evaluation.period_id == periods[last_year].id,
            Evaluation.counted.is_(True)).order_by(Evaluation.id))
        monitored = db.session.scalar(
            sa.select(Recommendation.id)
            .join(FileChoice, FileChoice.file_id == Recommendation.file_id)
            .where(FileChoice.organization_id == org.id, FileChoice.choice == "monitoring",
                   Recommendation.plan_id == plan.id)
            .order_by(Recommendation.sort_key))
        open_period = db.session.scalar(sa.select(ReportingPeriod.id).where(
            ReportingPeriod.plan_id == plan.id, ReportingPeriod.status == "open"))
        slug = plan.slug
        db.session.remove()
    site_pages = DemoSite(
        url="", coordinator=coordinator, ngo_admin=admin,
        coordinator_pages=[
            ("plans", "/plans/"),
            ("plan", f"/plans/{slug}"),
            ("organizations", "/organizations"),
            ("invitations", f"/plans/{slug}/invitations"),
            ("dashboard", f"/reports/{slug}/{last_year}"),
            ("drill-down", f"/reports/{slug}/comparison/{rated[0]}?period={last_year}"),
        ],
        ngo_pages=[
            ("ngo-home", "/ngo"),
            ("evaluations", "/evaluations/"),
            ("evaluation-form",
             f"/evaluations/period/{open_period}/recommendation/{monitored}"),
            ("evaluation-submitted", f"/evaluations/{submitted}"),
        ],
    )
    with LiveServer(app) as server:
        app.config["MONITOR_BASE_URL"] = server.url
        site_pages.url = server.url
        yield site_pages
    with app.app_context():
        db.engine.dispose()
    if DATABASE_URL:
        _truncate(url)


WIDTHS = (360, 1280)


def check_widths(page, lang: str, name: str) -> list[str]:  # noqa: ANN001
    """The page at phone then desktop width (the same load, resized)."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        problems += check_page(page, lang, f"page-{lang}-{width}-{name}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    return problems


@pytest.mark.parametrize("lang", ["ar", "ckb"])
def test_the_main_pages_read_right_to_left_in_arabic_and_sorani(page_factory, demo_site, lang):
    base, problems = demo_site.url, []

    visitor = page_factory(WIDTHS[0], lang)
    visitor.goto(f"{base}/login?lang={lang}")
    problems += check_widths(visitor, lang, "login")

    for email, pages in ((demo_site.coordinator, demo_site.coordinator_pages),
                         (demo_site.ngo_admin, demo_site.ngo_pages)):
        page = page_factory(WIDTHS[0], lang)
        sign_in(page, base, email, lang)
        for name, path in pages:
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{base}{path}{sep}lang={lang}")
            assert response.status == 200, (path, response.status)
            problems += check_widths(page, lang, name)

    assert problems == []


LETTERS = "ڕ ڵ ۆ ێ ە ع ة"


def test_arabic_and_sorani_letters_render_in_a_font_of_the_system_stack(page_factory,
                                                                        demo_site):
    """The letters Sorani adds to the Arabic script come from a font the stylesheet names
    (or the system's own UI font): no missing glyph, no web font downloaded."""
    page = page_factory(360, "ckb")
    page.goto(f"{demo_site.url}/login?lang=ckb")
    page.evaluate("""(letters) => {
      const main = document.querySelector("main");
      for (const [id, text, family] of [["letters", letters, ""], ["ui", "abc", "system-ui"]]) {
        const p = document.createElement("p");
        p.id = id; p.textContent = text; p.style.fontFamily = family;
        main.append(p);
      }
    }""", LETTERS)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]

    def fonts(selector: str) -> list[dict]:
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]

    stack = page.evaluate("getComputedStyle(document.documentElement).fontFamily")
    allowed = {name.strip().strip('"') for name in stack.split(",")}
    allowed |= {font["familyName"] for font in fonts("#ui")}
    used = fonts("#letters")
    assert used and {font["familyName"] for font in used} <= allowed, (used, stack)
    assert sum(font["glyphCount"] for font in used) == len(LETTERS)
    assert not any(font["isCustomFont"] for font in used)
