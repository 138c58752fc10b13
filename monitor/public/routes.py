"""The published results: no sign-in, light, cacheable. Only what services.results.publication
lets out: aggregates, never an organisation's name, answers or evidence, and no
independent figure for an item rated by fewer than MONITOR_MIN_NGOS NGOs."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..access import PUBLIC, requires
from ..errors import render_error
from ..extensions import db
from ..models import Recommendation
from ..services.results import chart_views, publication
from ..web import page_of

bp = Blueprint("public", __name__, url_prefix="/results")

PAGE_SIZE = 50
#: Shared caches may keep an anonymous page this long (unpublishing takes at most this
#: long to reach a visitor behind a cache).
CACHE_SECONDS = 300


def _cacheable(response: Response) -> Response:
    """Anonymous pages are public and cacheable (their language follows Accept-Language
    and the language cookie); a signed-in visitor's page carries their name in the
    header, and a ?lang= choice sets a cookie: neither may be stored by a shared cache."""
    if current_user.is_authenticated or g.get("lang_choice"):
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/")
@requires(PUBLIC)
def index():
    periods = publication.published_periods(db.session)
    return _cacheable(make_response(render_template("public/index.html", periods=periods)))


@bp.route("/<slug>/<label>")
@requires(PUBLIC)
def results(slug: str, label: str):
    found = publication.published_period(db.session, slug, label)
    if found is None:
        # Unknown, or not (or no longer) published: the same answer.
        return render_error(404, _("There are no published results at this address."))
    plan, period = found
    safe = publication.public_results(db.session, plan, period)
    rows = safe.recommendations
    listed = page_of(rows, PAGE_SIZE)
    page, pages, page_rows = listed.page, listed.pages, listed.items
    texts = {rec.id: rec for rec in db.session.scalars(
        sa.select(Recommendation).where(Recommendation.id.in_([r.id for r in page_rows])))
    } if page_rows else {}
    files_svg = None
    if not safe.is_empty:
        files_svg = chart_views.files_svg(
            [(f.file, f.figures.measure, f.figures.official, f.figures.independent)
             for f in safe.files], period.label)
    html = render_template(
        "public/results.html", plan=plan, period=period, safe=safe,
        trend_svg=chart_views.trend_svg(safe.trend), files_svg=files_svg, rows=page_rows,
        texts=texts, page=page, pages=pages,
        others=[p for p in plan.periods if p.published_at is not None],
    )
    return _cacheable(make_response(html))
