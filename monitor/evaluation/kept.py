"""No typed work lost when the session ends: answers posted after it ended (idle timeout
or lifetime) are kept in the new session, for the user whose session it was, and come
back in the form once that user signs in again; nothing is saved meanwhile. The same
promise as for a form whose CSRF token expired (routes.expired_answers)."""
from __future__ import annotations

from flask import flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..security import KEPT_ANSWERS
from ..services.evaluation import questionnaire_versions
from ..sessions import SIGNED_OUT_USER
from .forms import answers_from

AUTOSAVE = ("evaluation.autosave", "evaluation.autosave_first")


def signed_out_user() -> int | None:
    """The user whose session ended, when this visitor is not signed in and theirs did."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return None
    user = session.get(SIGNED_OUT_USER)
    return user if isinstance(user, int) else None


def keep_and_sign_in():  # noqa: ANN201
    """Keep the posted answers and send the visitor to sign in, then back to the page
    that holds the form (an autosave is told to stop: the page still holds the text)."""
    if request.endpoint in AUTOSAVE:
        return jsonify(saved=False, stop=True, message=_(
            "You were signed out after inactivity. Your answers are still on this page: "
            "press “Save draft”, sign in, and they come back in the form.")), 401
    args = request.view_args or {}
    page = (url_for("evaluation.edit", evaluation_id=args["evaluation_id"])
            if "evaluation_id" in args else url_for("evaluation.begin", **args))
    session[KEPT_ANSWERS] = {"user": signed_out_user(), "path": page,
                             "form": request.form.to_dict(flat=False)}
    return redirect(url_for("auth.login", next=page))


def take(plan) -> dict | None:  # noqa: ANN001
    """The answers kept for this page, once (None when there are none)."""
    kept = session.get(KEPT_ANSWERS)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return None
    session.pop(KEPT_ANSWERS)
    form = MultiDict([(key, value) for key, values in kept.get("form", {}).items()
                      for value in values])
    flash(_("You had been signed out, so nothing was saved. Your answers are back in the "
            "form below: press the button again."), "error")
    return answers_from(form, questionnaire_versions.current_definition(db.session, plan))
