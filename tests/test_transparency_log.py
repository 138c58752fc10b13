"""The transparency log: every submitted version's receipt in an append-only Merkle tree
(RFC 9162) with signed heads; inclusion and consistency proofs that verify offline with
the package's verify.py and the published key; tampering by raw SQL found by
`receipts verify` and by a consistency proof against a head kept before it."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import EvaluationRevision, LogEntry, LogHead, LogNode, LogState
from monitor.services.results import merkle, transparency_log, verify_script


def _mth(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162 2.1.1, recursively, as the RFC writes it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split(len(leaves))
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = merkle.split(len(leaves))
    if m < k:
        return _path(m, leaves[:k]) + [_mth(leaves[k:])]
    return _path(m - k, leaves[k:]) + [_mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = merkle.split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [_mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth(leaves[:k])]


def test_the_tree_follows_rfc_9162_for_every_size_up_to_40():
    leaves = [merkle.leaf_hash(bytes([i]) * 32) for i in range(40)]
    frontier: list[bytes] = []
    nodes: dict[tuple[int, int], bytes] = {}
    for n in range(1, 41):
        frontier, created = merkle.append_to_frontier(frontier, n - 1, leaves[n - 1])
        nodes.update({merkle.node_key(lv, p): h for lv, p, h in created})
        assert merkle.root_from_frontier(frontier) == _mth(leaves[:n]) == merkle.root_of(
            leaves[:n])
        rows, bulk_frontier = transparency_log.build_nodes([bytes([i]).hex() * 32
                                                            for i in range(n)])
        assert bulk_frontier == frontier
        assert {r["key"]: r["hash"] for r in rows} == nodes
        for m in range(n):
            path = merkle.ranges_hashes(merkle.inclusion_ranges(m, n),
                                        lambda lv, p: nodes[merkle.node_key(lv, p)])
            assert path == _path(m, leaves[:n])
            assert merkle.verify_inclusion(leaves[m], m, n, path, _mth(leaves[:n]))
            assert verify_script.verify_inclusion(leaves[m], m, n, path, _mth(leaves[:n]))
            other = merkle.leaf_hash(b"made up")
            assert not merkle.verify_inclusion(other, m, n, path, _mth(leaves[:n]))
            assert not verify_script.verify_inclusion(other, m, n, path, _mth(leaves[:n]))
        for m in range(1, n + 1):
            proof = merkle.ranges_hashes(merkle.consistency_ranges(m, n),
                                         lambda lv, p: nodes[merkle.node_key(lv, p)]) if m < n else []
            assert proof == (_subproof(m, leaves[:n], True) if m < n else [])
            assert merkle.verify_consistency(m, n, _mth(leaves[:m]), _mth(leaves[:n]), proof)
            assert verify_script.verify_consistency(m, n, _mth(leaves[:m]), _mth(leaves[:n]),
                                                    proof)
            if m < n:
                assert not merkle.verify_consistency(m, n, _mth(leaves[1:m + 1]),
                                                     _mth(leaves[:n]), proof)


# --- the log in the database -------------------------------------------------------------------


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    return make.results()


def _key_file(client, tmp_path):  # noqa: ANN001, ANN201
    response = client.get("/log/key")
    assert response.status_code == 200 and "BEGIN PUBLIC KEY" in response.get_data(as_text=True)
    path = tmp_path / "log_key.pub"
    path.write_bytes(response.get_data())
    return path


def _verify_py(tmp_path, *args: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    script = tmp_path / "verify.py"
    script.write_bytes(Path(verify_script.__file__).read_bytes())
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


def test_every_submission_is_appended_with_a_signed_head(world, app):
    revisions = db.session.scalars(sa.select(EvaluationRevision)
                                   .order_by(EvaluationRevision.id)).all()
    entries = db.session.scalars(sa.select(LogEntry).order_by(LogEntry.position)).all()
    assert [e.revision_id for e in entries] == [r.id for r in revisions]
    for entry, revision in zip(entries, revisions):
        # The receipt: the content hash and 128 random bits.
        assert entry.content_hash == revision.content_hash and len(entry.nonce) == 32
        assert entry.receipt == hashlib.sha256(bytes.fromhex(revision.content_hash)
                                               + bytes.fromhex(entry.nonce)).hexdigest()
    assert db.session.get(LogState, 1).size == len(revisions) == 6
    assert db.session.scalar(sa.select(sa.func.max(LogHead.tree_size))) == 6
    assert transparency_log.verify(db.session).ok


def test_an_inclusion_proof_verifies_offline_and_one_for_a_made_up_receipt_does_not(
        world, app, runner, client, tmp_path):
    entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.position == 2))
    result = runner.invoke(args=["receipts", "prove", entry.receipt])
    assert result.exit_code == 0, result.output
    proof = json.loads(result.output)  # the JSON and nothing else
    assert proof["leaf_index"] == 2 and proof["tree_size"] == 6
    key = _key_file(client, tmp_path)
    (tmp_path / "proof.json").write_text(result.output)
    checked = _verify_py(tmp_path, "--proof", "proof.json", "--key", str(key))
    assert checked.returncode == 0 and "The proof verifies." in checked.stdout

    # A made-up receipt: the server has no proof for it ...
    made_up = hashlib.sha256(b"never submitted").hexdigest()
    refused = runner.invoke(args=["receipts", "prove", made_up])
    assert refused.exit_code != 0 and "No such receipt" in refused.output
    # ... and grafting it onto a real proof fails offline.
    forged = dict(proof, receipt=made_up)
    forged.pop("nonce", None)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    checked = _verify_py(tmp_path, "--proof", "forged.json", "--key", str(key))
    assert checked.returncode == 1
    assert "does not lead from the receipt to the signed root" in checked.stdout
    # A key carried inside a proof is never used: another key fails.
    other = tmp_path / "other.pub"
    other.write_text("11" * 32)
    assert _verify_py(tmp_path, "--proof", "proof.json", "--key", str(other)).returncode == 1


def _tamper(revision_id: int, *, delete: bool) -> None:
    """Raw SQL behind the application's back: delete a submitted version (and its log entry,
    which a foreign key protects) or change its score."""
    with db.engine.begin() as conn:
        if delete:
            conn.execute(sa.text("DELETE FROM log_entry WHERE revision_id = :r"),
                         {"r": revision_id})
            conn.execute(sa.text("DELETE FROM evaluation_revision WHERE id = :r"),
                         {"r": revision_id})
        else:
            conn.execute(sa.text("UPDATE evaluation_revision SET status_score = 0 "
                                 "WHERE id = :r"), {"r": revision_id})


def _rewrite_history(revision_id: int, *, delete: bool) -> int:
    """What someone holding the database *and* the key would do next to hide it: renumber
    the entries, recompute the changed receipt, rebuild every node and re-sign the heads
    from the change on. Returns the log's size."""
    from monitor.models import utcnow
    from monitor.services.results import log_key

    with db.engine.begin() as conn:
        if delete:
            conn.execute(sa.text("UPDATE log_entry SET position = -position WHERE position > 1"))
            conn.execute(sa.text("UPDATE log_entry SET position = -position - 1 "
                                 "WHERE position < 0"))
        else:
            fake = hashlib.sha256(b"rewritten").hexdigest()
            conn.execute(sa.text("UPDATE evaluation_revision SET content_hash = :h "
                                 "WHERE id = :r"), {"h": fake, "r": revision_id})
            conn.execute(sa.text("UPDATE log_entry SET content_hash = :h, receipt = :h, "
                                 "nonce = NULL WHERE revision_id = :r"),
                         {"h": fake, "r": revision_id})
        receipts = [r for (r,) in conn.execute(sa.text(
            "SELECT receipt FROM log_entry ORDER BY position"))]
        rows, frontier = transparency_log.build_nodes(receipts)
        conn.execute(sa.text("DELETE FROM log_node"))
        conn.execute(LogNode.__table__.insert(), rows)
        conn.execute(LogState.__table__.update().values(
            size=len(receipts), frontier=[h.hex() for h in frontier]))
        conn.execute(sa.text("DELETE FROM log_head WHERE tree_size > 1"))
    key = log_key.signing_key(db.session)
    stamp = utcnow().replace(microsecond=0)
    leaves = [merkle.leaf_hash(bytes.fromhex(r)) for r in receipts]
    for size in range(2, len(receipts) + 1):
        root = merkle.root_of(leaves[:size]).hex()
        db.session.add(LogHead(tree_size=size, root_hash=root, timestamp=stamp,
                               key_id=key.key_id, signature=key.sign(
                                   transparency_log.head_message(size, root,
                                                                 stamp.isoformat() + "Z"))))
    db.session.commit()
    return len(receipts)


@pytest.mark.parametrize("delete", [True, False], ids=["deleted", "changed"])
def test_a_version_deleted_or_changed_behind_the_application_is_found(
        world, app, runner, client, tmp_path, delete):
    kept = client.get("/log/head").get_json()  # a head someone kept before the tampering
    assert kept["tree_size"] == 6
    (tmp_path / "kept.json").write_text(json.dumps(kept))
    victim = db.session.scalar(sa.select(LogEntry).where(LogEntry.position == 1)).revision_id
    period_id = world.period.id
    db.session.remove()

    _tamper(victim, delete=delete)
    result = runner.invoke(args=["receipts", "verify"])
    assert result.exit_code == 1
    expected = "entries 1 to 1 are missing" if delete else "do not match their receipt"
    assert expected in result.output

    # Even a rewrite of the whole log, re-signed with the key, leaves the kept head behind:
    # the consistency proof from it to the log's next head fails offline.
    size = _rewrite_history(victim, delete=delete)
    db.session.remove()
    from monitor.models import ReportingPeriod

    period = db.session.get(ReportingPeriod, period_id)
    transparency_log.record_unpublication(db.session, period, None)
    transparency_log.record_unpublication(db.session, period, None)
    db.session.commit()
    response = client.get(f"/log/consistency?from=6&to={size + 2}")
    assert response.status_code == 200
    (tmp_path / "consistency.json").write_text(response.get_data(as_text=True))
    pub = _key_file(client, tmp_path)
    checked = _verify_py(tmp_path, "--consistency", "consistency.json", "--kept", "kept.json",
                         "--key", str(pub))
    assert checked.returncode == 1 and "The proof does not verify." in checked.stdout
    assert "does not extend" in checked.stdout


def test_consistency_between_honest_heads_verifies(world, app, runner, client, tmp_path):
    result = runner.invoke(args=["receipts", "consistency", "3", "6"])
    assert result.exit_code == 0, result.output
    (tmp_path / "c.json").write_text(result.output)
    (tmp_path / "kept.json").write_text(json.dumps(json.loads(result.output)["from"]))
    pub = _key_file(client, tmp_path)
    checked = _verify_py(tmp_path, "--consistency", "c.json", "--kept", "kept.json",
                         "--key", str(pub))
    assert checked.returncode == 0, checked.stdout
    assert client.get("/log/consistency?from=5&to=3").status_code == 400
    assert client.get("/log/consistency?from=x").status_code == 400
    assert runner.invoke(args=["receipts", "verify"]).exit_code == 0


def _submit_from_the_web(app, world, code: str):
    from factories import COMPLETE_ANSWERS
    from monitor.services.evaluation import lifecycle as evaluation_service

    evaluation = evaluation_service.start(
        db.session, organization_id=world.orgs["alpha"].id, recommendation=world.recs[code],
        period=world.period, user=world.evaluators["alpha"],
        answers=dict(COMPLETE_ANSWERS, status="75"))
    with app.test_request_context():  # a submission from the web
        evaluation_service.submit(db.session, evaluation, None,
                                  expected_version=evaluation.version,
                                  user=world.admins["alpha"])
    db.session.commit()
    return evaluation


def _mailed_proof(body: str) -> dict:
    return json.loads(body.split("\n\n{", 1)[1].rsplit("}", 1)[0].join("{}"))


def test_the_ngo_gets_its_proof_by_email_and_on_its_receipt_page(world, app, tmp_path, runner,
                                                                  smtp_server):
    from support import client_as

    world.admins["alpha"].language = "en"
    evaluation = _submit_from_the_web(app, world, "139.3")
    assert runner.invoke(args=["mail", "worker", "--once"]).exit_code == 0  # sends it
    (email,) = smtp_server.to(world.admins["alpha"].email)
    assert email["Subject"] == "Receipt for your evaluation of 139.3"
    body = smtp_server.text(email)
    assert "Your organisation submitted version 1 of its evaluation of recommendation " \
           "139.3" in body and f"/evaluations/{evaluation.id}" in body
    proof = _mailed_proof(body)
    assert proof["receipt"] in body and proof["tree_size"] == 7
    assert proof["receipt"] in smtp_server.html(email)
    key = _key_file(app.test_client(), tmp_path)
    (tmp_path / "mailed.json").write_text(json.dumps(proof))
    assert _verify_py(tmp_path, "--proof", "mailed.json", "--key", str(key)).returncode == 0

    # The receipt page: the receipt, how to keep it, and the proof to download.
    admin = client_as(app, world.admins["alpha"])
    page = admin.get(f"/evaluations/{evaluation.id}?lang=en").get_data(as_text=True)
    assert proof["receipt"] in page and "Download the proof (JSON)" in page
    assert "keep it" in page
    response = admin.get(f"/evaluations/{evaluation.id}/proof.json?revision=1")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    (tmp_path / "page.json").write_bytes(response.get_data())
    assert _verify_py(tmp_path, "--proof", "page.json", "--key", str(key)).returncode == 0
    # Another organisation's evaluation: not found.
    other = client_as(app, world.admins["beta"])
    assert other.get(f"/evaluations/{evaluation.id}/proof.json").status_code == 404


def test_the_receipt_email_is_written_in_the_language_the_ngo_reads_when_it_is_sent(
        world, app, runner, smtp_server):
    from email.header import decode_header, make_header

    admin = world.admins["alpha"]
    admin.language = "en"
    _submit_from_the_web(app, world, "139.3")
    admin.language = "ar"  # changed before the mail worker's next round
    db.session.commit()
    assert runner.invoke(args=["mail", "worker", "--once"]).exit_code == 0
    (email,) = smtp_server.to(admin.email)
    assert str(make_header(decode_header(email["Subject"]))) == \
        "إيصال استلام تقييمكم للتوصية 139.3"
    body = smtp_server.text(email)
    assert "قدّمت منظمتكم النسخة 1 من تقييمها للتوصية 139.3" in body
    assert 'dir="rtl"' in smtp_server.html(email)
    assert _mailed_proof(body)["receipt"] in body
    # Sent once: the next round has nothing left to send.
    assert runner.invoke(args=["mail", "worker", "--once"]).exit_code == 0
    assert len(smtp_server.to(admin.email)) == 1


def test_production_refuses_to_start_without_the_log_key_file(monkeypatch):
    from monitor import ConfigurationError, create_app

    monkeypatch.delenv("FLASK_MONITOR_LOG_KEY_FILE", raising=False)
    with pytest.raises(ConfigurationError, match="FLASK_MONITOR_LOG_KEY_FILE"):
        create_app({"SECRET_KEY": "k" * 48,
                    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://monitor@127.0.0.1/none"})


def test_the_embedded_default_makes_its_key_once_and_never_again_after_signed_heads(
        app, tmp_path):
    from monitor.services.results import log_key

    app.config["TESTING"] = False
    app.instance_path = str(tmp_path)
    key = log_key.signing_key(db.session)
    path = tmp_path / "log_key"
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert log_key.signing_key(db.session).key_id == key.key_id
    transparency_log.record_unpublication(db.session, make.setting().period, None)
    db.session.commit()
    path.unlink()  # lost: monitor must not quietly sign with a new key
    with pytest.raises(log_key.LogKeyError, match="does not make a new one"):
        log_key.signing_key(db.session)
    assert not path.exists()
