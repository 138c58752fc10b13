"""Benchmark: the main pages on a slow mobile link, in Chromium.

    python bench/pages.py              # the main page of each role, in ar, ckb and en
    python bench/pages.py --smoke      # two pages, for CI
    python bench/pages.py --screenshots /tmp/shots   # also 360 and 1280 px screenshots

It seeds the demo into a temporary folder, serves it on 127.0.0.1 (a thread, Werkzeug), signs
in as each role in Debian's Chromium (Playwright), then throttles the link through the
DevTools protocol (Network.emulateNetworkConditions: 400 kbit/s down and up, 400 ms round
trip, a poor 3G link) and loads each page twice: a first visit with an empty cache and a
repeat visit. Per page it prints the bytes transferred (headers included, as the network
counts them), the HTML+CSS+JS weight uncompressed and the time until the page is usable
(the load event: HTML parsed, stylesheet and script applied), with the peers' figures
beside: LimeSurvey's default survey page loads 1.72 MB, Enketo's ~1.84 MB of CSS+JS.

Budget: every page <= 60 KB of HTML+CSS+JS (tests/test_page_weight.py asserts it on a
larger world); the printable report is exempt.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from monitor import TOP, create_app  # noqa: E402
from monitor.extensions import db  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "bench-pages-password-1"  # noqa: S105 (a throwaway demo in a temporary folder)
KBIT = 1000 / 8  # bytes per second in one kbit/s
THROTTLE = {"offline": False, "latency": 400, "downloadThroughput": 400 * KBIT,
            "uploadThroughput": 400 * KBIT}
PEERS = "LimeSurvey 1.72 MB, Enketo ~1.84 MB CSS+JS"
BUDGET = 60 * 1024
LANGUAGES = ("ar", "ckb", "en")
#: The main page of each role (and the coordinator's other daily pages).
ROLES = {
    "anonymous": (None, ["/results/"]),
    "coordinator": ("coordinator.krg@example.org",
                    ["/plans/", "/reports/krg-hrp-2021-2025/2023", "/audit/"]),
    "ngo_admin": ("shilan.m@example.org", ["/ngo"]),
    "evaluator": ("rezan.k@example.org", ["/evaluations/"]),
}
SMOKE = {"anonymous": (None, ["/results/"]), "evaluator": ROLES["evaluator"]}


def serve_demo(folder: Path):  # noqa: ANN201
    """Seed the demo in `folder` and serve it; returns (server, base URL)."""
    from flask_migrate import upgrade

    from monitor.demo import seed as demo_seed
    from monitor.services import translations

    for name in ("werkzeug", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    app = create_app({
        "SECRET_KEY": "bench-pages-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
        "MONITOR_MAIL_OUTBOX": str(folder / "outbox"),
        "MONITOR_ATTACHMENT_DIR": str(folder / "attachments"),
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        translations.compile_catalogues(TOP / "translations")
        upgrade(directory=str(TOP / "migrations"))
        demo_seed.seed(db.session, password=PASSWORD)
        for name in ("werkzeug", "alembic"):  # the migration set up its own logging
            logging.getLogger(name).setLevel(logging.WARNING)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def sign_in(page, base: str, email: str | None, lang: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login?lang={lang}")
    if email:
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")


def measure(page, cdp, url: str) -> dict:  # noqa: ANN001
    """One throttled visit: bytes on the wire, HTML+CSS+JS bytes, time until the load event."""
    sizes: dict[str, int] = {}
    bodies: dict[str, int] = {}
    kinds: dict[str, str] = {}

    def on_response(event: dict) -> None:
        kinds[event["requestId"]] = event.get("type", "")

    def on_finished(event: dict) -> None:
        sizes[event["requestId"]] = int(event.get("encodedDataLength", 0))

    def on_data(event: dict) -> None:
        bodies[event["requestId"]] = bodies.get(event["requestId"], 0) + event["dataLength"]

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.dataReceived", on_data)
    page.goto(url, wait_until="load")
    timing = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {usable: n.loadEventEnd, html: n.decodedBodySize}; })()")
    cdp.remove_listener("Network.responseReceived", on_response)
    cdp.remove_listener("Network.loadingFinished", on_finished)
    cdp.remove_listener("Network.dataReceived", on_data)
    weight = sum(size for rid, size in bodies.items()
                 if kinds.get(rid) in ("Document", "Stylesheet", "Script"))
    return {"wire": sum(sizes.values()), "weight": weight, "ms": timing["usable"]}


def run(pages: dict, base: str, shots: Path | None) -> list[tuple]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for role, (email, urls) in pages.items():
            for lang in LANGUAGES:
                context = browser.new_context(viewport={"width": 360, "height": 780})
                page = context.new_page()
                sign_in(page, base, email, lang)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                for path in urls:
                    url = f"{base}{path}{'&' if '?' in path else '?'}lang={lang}"
                    cdp.send("Network.clearBrowserCache")
                    cdp.send("Network.emulateNetworkConditions", THROTTLE)
                    first = measure(page, cdp, url)
                    repeat = measure(page, cdp, url)
                    cdp.send("Network.emulateNetworkConditions",
                             {"offline": False, "latency": 0, "downloadThroughput": -1,
                              "uploadThroughput": -1})
                    rows.append((role, lang, path, first, repeat))
                    if shots:
                        _screenshots(page, shots, role, lang, path)
                context.close()
        browser.close()
    return rows


def _screenshots(page, folder: Path, role: str, lang: str, path: str) -> None:  # noqa: ANN001
    folder.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "_") or "home"
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(folder / f"{role}-{name}-{lang}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})


def report(rows: list[tuple]) -> bool:
    print(f"Throttled link: 400 kbit/s, 400 ms round trip. Peers per survey page: {PEERS}.")
    print(f"{'role':<12}{'lang':<5}{'page':<34}{'first: wire':>12}{'usable':>9}"
          f"{'repeat: wire':>14}{'usable':>9}{'HTML+CSS+JS':>13}  vs LimeSurvey")
    within = True
    for role, lang, path, first, repeat in rows:
        ratio = first["weight"] / (1.72 * 1000 * 1000)
        print(f"{role:<12}{lang:<5}{path:<34}{first['wire'] / 1024:>9.1f} KB"
              f"{first['ms'] / 1000:>7.2f} s{repeat['wire'] / 1024:>11.1f} KB"
              f"{repeat['ms'] / 1000:>7.2f} s{first['weight'] / 1024:>10.1f} KB  {ratio:.1%}")
        within = within and first["weight"] <= BUDGET
    print("Every page within 60 KB of HTML+CSS+JS." if within else "OVER the 60 KB budget.")
    return within


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="two pages, for CI")
    parser.add_argument("--screenshots", type=Path, help="also save 360/1280 px screenshots")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("Chromium is not installed (apt-get install chromium).")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        server, base = serve_demo(Path(folder))
        try:
            rows = run(SMOKE if args.smoke else ROLES, base, args.screenshots)
        finally:
            server.shutdown()
    return 0 if report(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
