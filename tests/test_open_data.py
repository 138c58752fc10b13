"""The open dataset of a published period: a Frictionless Data Package (validated with the
`frictionless` library) with the minimum-NGO rule of the public page, a numbered snapshot
kept on unpublishing, and verify.py, which recomputes every figure offline and finds a
changed one. Also the public page's side of the rule (issue 14, finding 3): a file's figure
is computed only over the recommendations that meet it, so no withheld score follows by
subtraction."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import LogEntry, OpenDataSnapshot, ReportingPeriod
from support import login, post_form


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    return make.results()


def _publish(app, world, label: str | None = None):  # noqa: ANN001, ANN201
    client = app.test_client()
    login(client, world.coordinator.email)
    label = label or world.period.label
    response = post_form(client, world.url("publish", label=label),
                         page=f"/reports/{world.plan.slug}/comparison?period={label}")
    assert response.status_code == 302
    return client


def _download(app, world, folder: Path) -> Path:  # noqa: ANN001
    anonymous = app.test_client()
    page = anonymous.get(f"/results/{world.plan.slug}/{world.period.label}?lang=en")
    link = f"/results/{world.plan.slug}/{world.period.label}/open-data.zip"
    assert f'href="{link}"' in page.get_data(as_text=True)
    response = anonymous.get(link)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        archive.extractall(folder)
    return folder


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(folder / "verify.py"), str(folder), *args],
                          capture_output=True, text=True, timeout=120)


def _rows(folder: Path, name: str) -> list[dict]:
    with open(folder / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_file_figure_never_reveals_a_withheld_recommendation_by_subtraction(world, app):
    _publish(app, world)
    page = app.test_client().get(f"/results/{world.plan.slug}/{world.period.label}?lang=en")
    html = page.get_data(as_text=True)
    files = html.split('id="files-title"')[1].split('id="recs-title"')[0]
    # File 1: 139.1 (3 NGOs, 91.7) and 139.2 (1 NGO, withheld). Its figure is 139.1's alone,
    # so "2 x file - 139.1" gives nothing; the old mean over both (70.8) would give 50.
    assert "91.7" in files and "70.8" not in files
    recs = html.split('id="recs-title"')[1]
    assert "fewer than 2 NGOs" in recs.split("139.2</bdi>")[1].split("</tr>")[0]


def test_the_published_dataset_validates_and_verify_py_reproduces_every_figure(
        world, app, tmp_path):
    from frictionless import validate

    _publish(app, world)
    folder = _download(app, world, tmp_path / "data")
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    recs = {r["code"]: r for r in _rows(folder, "recommendations.csv")}
    assert list(next(iter(recs.values()))) == [
        "code", "file", "response", "measure", "official_value", "independent_value", "gap",
        "coverage", "flagged", "n_ngos", "n_0", "n_25", "n_50", "n_75", "n_100",
        "n_no_information", "withheld"]
    # 139.2 has one NGO: every independent cell empty and marked; 139.1 has three: its
    # figures but not its distribution (2-4 NGOs would reveal each rating).
    assert recs["139.2"]["withheld"] == "all" and recs["139.2"]["independent_value"] == ""
    assert recs["139.2"]["n_50"] == "" and recs["139.2"]["n_ngos"] == ""
    assert recs["139.1"]["withheld"] == "distribution" and recs["139.1"]["n_100"] == ""
    assert float(recs["139.1"]["independent_value"]) == pytest.approx(91.6667, abs=1e-3)
    plan = _rows(folder, "plan.csv")[0]
    assert float(plan["independent_value"]) == pytest.approx((275 / 3 + 37.5) / 2)
    # No organisation, evaluator, answer or document in it.
    everything = "".join(p.read_text(encoding="utf-8") for p in folder.iterdir()
                         if p.suffix in (".csv", ".json"))
    for org in world.orgs.values():
        assert org.name not in everything
    for text in world.answers.values():
        assert text not in everything
    assert world.admins["alpha"].email not in everything

    checked = _run(folder)
    assert checked.returncode == 0, checked.stdout
    assert " 0 differ" in checked.stdout

    # One published figure changed: found.
    path = folder / "files.csv"
    rows = _rows(folder, "files.csv")
    rows[0]["independent_value"] = "95.0"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    checked = _run(folder)
    assert checked.returncode == 1
    assert "DIFFERS: file" in checked.stdout and "independent_value" in checked.stdout


def test_the_cli_writes_the_dataset_and_unpublishing_keeps_it_and_is_logged(
        world, app, runner, tmp_path):
    refused = runner.invoke(args=["report", "open-data", "--plan", world.plan.slug,
                                  "--period", world.period.label, str(tmp_path / "x")])
    assert refused.exit_code != 0 and "not published" in refused.output
    assert not (tmp_path / "x").exists()

    coordinator = _publish(app, world)
    db.session.expire_all()  # the refused call above read the period before publication
    target = tmp_path / "new" / "folder"
    result = runner.invoke(args=["report", "open-data", "--plan", world.plan.slug,
                                 "--period", world.period.label, str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "verify.py").exists() and (target / "log_key.pub").exists()
    assert json.loads((target / "datapackage.json").read_text())["monitor"]["snapshot"] == 1
    assert _run(target).returncode == 0

    size = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))
    response = post_form(coordinator, world.url("unpublish"),
                         page=f"/reports/{world.plan.slug}/comparison"
                              f"?period={world.period.label}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenDataSnapshot)) == 1
    last = db.session.scalar(sa.select(LogEntry).order_by(LogEntry.position.desc()).limit(1))
    assert last.position == size and last.kind == "unpublished"
    assert last.period_id == world.period.id
    assert app.test_client().get(f"/results/{world.plan.slug}/{world.period.label}"
                                 "/open-data.zip").status_code == 404
    # Published again: a new snapshot, numbered 2; the first is still there.
    _publish(app, world)
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(OpenDataSnapshot.number).where(
        OpenDataSnapshot.period_id == world.period.id))) == [1, 2]
    assert db.session.get(ReportingPeriod, world.period.id).published_at is not None


def test_the_demo_publishes_a_period_that_verify_py_reproduces_with_no_difference(
        app, runner, tmp_path, seeded_demo):
    from monitor.models import Plan

    published = db.session.execute(sa.select(Plan.slug, ReportingPeriod.label).join(
        ReportingPeriod.plan).where(ReportingPeriod.published_at.is_not(None))).all()
    assert len(published) == 2  # the last closed period of each plan
    for slug, label in published:
        folder = tmp_path / slug
        result = runner.invoke(args=["report", "open-data", "--plan", slug, "--period", label,
                                     str(folder)])
        assert result.exit_code == 0, result.output
        checked = _run(folder)
        assert checked.returncode == 0, checked.stdout
        recomputed = int(checked.stdout.strip().splitlines()[-1].split()[0])
        assert recomputed > 100 and " 0 differ" in checked.stdout
