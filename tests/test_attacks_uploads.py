"""Issue 14, finding 5: an upload quota per evaluation (documents and megabytes in all)
and a rate limit on uploads; refusals translated, nothing stored."""
from __future__ import annotations

from support import text
from test_attachments import PDF, client_for, s, stored_files, upload  # noqa: F401
from test_attacks import limited, snapshot  # noqa: F401

from monitor.extensions import db


def test_the_documents_of_one_evaluation_are_limited_in_number(app, s):  # noqa: F811
    app.config["MONITOR_MAX_DOCUMENTS_PER_EVALUATION"] = 3
    client = client_for(app, s.evaluator)
    for n in range(3):
        assert upload(client, s.evaluation, PDF, f"doc{n}.pdf").status_code == 302
    files, before = stored_files(app), snapshot()
    response = upload(client, s.evaluation, PDF, "one-too-many.pdf")
    assert response.status_code == 422
    assert "This evaluation already has 3 documents, the most it may have." in text(response)
    assert "Nothing was saved." in text(response)
    assert snapshot() == before and stored_files(app) == files


def test_the_documents_of_one_evaluation_are_limited_in_size(app, s):  # noqa: F811
    app.config["MONITOR_MAX_EVIDENCE_MB_PER_EVALUATION"] = 1
    client = client_for(app, s.evaluator)
    big = PDF + b"%" + b"x" * 700_000
    assert upload(client, s.evaluation, big, "first.pdf").status_code == 302
    files, before = stored_files(app), snapshot()
    response = upload(client, s.evaluation, big, "second.pdf")
    assert response.status_code == 413
    assert "may take at most 1 MB in all; with this file they would take 1.3 MB" in \
        text(response)
    assert snapshot() == before and stored_files(app) == files


def test_the_refusal_is_translated(app, s):  # noqa: F811
    app.config["MONITOR_MAX_DOCUMENTS_PER_EVALUATION"] = 0
    client = client_as_arabic = client_for(app, s.evaluator)
    client_as_arabic.get("/evaluations/?lang=ar")
    response = upload(client, s.evaluation, PDF, "doc.pdf")
    assert response.status_code == 422
    assert "This evaluation already has" not in text(response)
    assert "لم يُحفظ شيء" in text(response)


def test_uploads_are_rate_limited_per_person(limited):  # noqa: F811
    limited.config["MONITOR_UPLOAD_RATE_LIMIT"] = "3 per minute"
    import factories as make
    from factories import COMPLETE_ANSWERS

    from monitor.services.evaluation import lifecycle

    setting = make.setting()
    db.session.commit()
    evaluation = lifecycle.start(db.session, organization_id=setting.org.id,
                                 recommendation=setting.rec, period=setting.period,
                                 user=setting.evaluator, answers=COMPLETE_ANSWERS)
    db.session.commit()
    client = client_for(limited, setting.evaluator)
    for n in range(3):
        assert upload(client, evaluation, PDF, f"doc{n}.pdf").status_code == 302
    files, before = stored_files(limited), snapshot()
    response = upload(client, evaluation, PDF, "fourth.pdf")
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert snapshot() == before and stored_files(limited) == files
