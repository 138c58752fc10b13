"""Governing bodies: the government offices that own plans. Created once per deployment
(`flask --app monitor body create`)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import GoverningBody
from .. import audit
from .records import SLUG_RE, CatalogueError


def create_body(session: Session, *, slug: str, name_en: str | None = None,
                name_ar: str | None = None, name_ckb: str | None = None,
                contact_email: str | None = None, actor_id: int | None = None) -> GoverningBody:
    """A new governing body (flush only)."""
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug):
        raise CatalogueError(_("The short name may contain lower-case Latin letters, digits "
                               "and hyphens (such as krg-coordinator)."), "slug")
    if session.scalar(sa.select(GoverningBody.id).where(GoverningBody.slug == slug)):
        raise CatalogueError(_("Another governing body already uses the short name "
                               "%(slug)s.", slug=slug), "slug")
    names = {f"name_{lang}": " ".join((value or "").split())[:300] or None
             for lang, value in (("en", name_en), ("ar", name_ar), ("ckb", name_ckb))}
    if not any(names.values()):
        raise CatalogueError(_("Give a name in at least one language."), "name_en")
    body = GoverningBody(slug=slug, contact_email=(contact_email or "").strip() or None,
                         **names)
    session.add(body)
    session.flush()
    audit.record(session, "body.created", body, actor_id=actor_id,
                 after={"slug": slug, **names})
    return body
