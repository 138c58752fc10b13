"""The open dataset of a published period: a Frictionless Data Package anyone can check.

Publishing a period fixes a numbered snapshot (`OpenDataSnapshot`, kept when the period is
unpublished) holding:

- ``recommendations.csv``: per recommendation, its code, file, response, official figure
  and measure, the NGOs' figures and the distribution of their ratings (``n_0 ... n_100``,
  "no information" counted apart), under the minimum-NGO rule of the public page
  (services.results.disclosure): a recommendation rated by fewer than ``MONITOR_MIN_NGOS``
  NGOs has every independent cell empty and ``withheld = all``; its distribution is
  published only from 5 NGOs up (``withheld = distribution`` below);
- ``files.csv`` and ``plan.csv``: the same figures per file and for the plan, computed only
  over the recommendations that meet the rule, with the official figure's source;
- ``datapackage.json``: a schema per resource, the thresholds, the agreement (alpha) per
  level, the log's signed head at publication; ``log_key.pub``: the log's public key;
  ``verify.py``: the standalone script that recomputes every figure (verify_script.py).

Never in it: names of organisations or evaluators, answers' texts, evidence.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Evaluation, OpenDataSnapshot, Plan, Recommendation, ReportingPeriod, utcnow
from ..tabular import write_csv
from . import comparison, disclosure, log_key, stats, transparency_log, verify_script

REC_FIELDS = ["code", "file", "response", "measure", "official_value", "independent_value",
              "gap", "coverage", "flagged", "n_ngos", *(f"n_{s}" for s in stats.SCALE),
              "n_no_information", "withheld"]
LEVEL_FIELDS = ["file", "measure", "official_value", "independent_value", "gap", "coverage",
                "flagged", "n_ngos", "withheld", "source"]

_DESCRIPTIONS = {
    "code": ("string", "The UPR recommendation's paragraph code (empty when the source has none)."),
    "file": ("integer", "The recommendation file (datapackage.json: monitor.files gives its titles); empty: none, or the plan."),
    "response": ("string", "The State's response to the recommendation: supported or noted."),
    "measure": ("string", "The measure of the comparison: mean_score (0-100) or share_implemented (percentage of recommendations whose median is 100)."),
    "official_value": ("number", "The government's own figure for this level, in the measure."),
    "independent_value": ("number", "The NGOs' figure in the measure (a recommendation: the mean of its NGOs' scores; a file or the plan: over its recommendations rated by at least min_ngos NGOs only). Empty when withheld."),
    "gap": ("number", "official_value - independent_value, in points; empty unless both exist."),
    "coverage": ("number", "Percentage of the level's recommendations with at least one evaluation (a recommendation: 100 or 0)."),
    "flagged": ("boolean", "Divergent: |gap| >= divergence_threshold and at least min_ngos NGOs. Empty when withheld."),
    "n_ngos": ("integer", "NGOs whose counted evaluation gives a score (a file or the plan: the largest number on one of its shown recommendations). Empty when withheld."),
    "n_no_information": ("integer", "Counted evaluations answering 'no information' (not a score). Published with the distribution."),
    "withheld": ("string", "none; distribution (2-4 NGOs: the counts would reveal each NGO's rating); all (fewer than min_ngos NGOs: no independent figure)."),
    "source": ("string", "The source of the official figure."),
}
for _score in stats.SCALE:
    _DESCRIPTIONS[f"n_{_score}"] = ("integer", f"NGOs that rated {_score} (published from "
                                    f"{disclosure.MIN_NGOS_DISTRIBUTION} NGOs up).")


class OpenDataError(Exception):
    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.message = message
        self.status = status


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _schema(fields: list[str]) -> dict[str, Any]:
    out = []
    for name in fields:
        kind, description = _DESCRIPTIONS[name]
        field: dict[str, Any] = {"name": name, "type": kind, "description": description}
        if kind == "boolean":
            field |= {"trueValues": ["true"], "falseValues": ["false"]}
        if name == "withheld":
            field["constraints"] = {"required": True,
                                    "enum": ["none", "distribution", "all"]}
        if name == "measure":
            field["constraints"] = {"required": True, "enum": list(comparison.MEASURES)}
        out.append(field)
    return {"fields": out, "missingValues": [""]}


def _no_information(session: Session, period_id: int) -> dict[int, int]:
    return dict(session.execute(
        sa.select(Evaluation.recommendation_id, sa.func.count())
        .where(Evaluation.period_id == period_id, Evaluation.counted == sa.true(),
               Evaluation.status_score.is_(None))
        .group_by(Evaluation.recommendation_id)).all())


def _recommendation_row(r: comparison.RecommendationComparison, settings: comparison.Settings,
                        response: str | None, no_information: int) -> list[Any]:
    n = r.score.n
    withheld = "all" if 0 < n < settings.min_ngos else (
        "none" if disclosure.distribution_shown(r) else "distribution")
    shown = withheld != "all"
    counts = [r.score.distribution[s] for s in stats.SCALE] + [no_information] \
        if withheld == "none" else [None] * (len(stats.SCALE) + 1)
    f = r.figures
    return [_cell(v) for v in (
        r.code, r.file_id, response, f.measure, f.official,
        f.independent if shown else None, f.gap if shown else None,
        100.0 if n else 0.0, f.flag if shown else None, n if shown else None,
        *counts, withheld)]


def _level_row(file_id: int | None, f: comparison.Figures) -> list[Any]:
    withheld = f.low_coverage
    return [_cell(v) for v in (
        file_id, f.measure, f.official, None if withheld else f.independent,
        None if withheld else f.gap, f.coverage, None if withheld else f.flag,
        None if withheld else f.n_ngos, "all" if withheld else "none",
        f.entry.source if f.entry is not None else None)]


def build(session: Session, plan: Plan, period: ReportingPeriod, number: int
          ) -> dict[str, bytes]:
    """The package's files, by name."""
    result = disclosure.disclosed(comparison.compare(session, plan, period))
    settings = result.settings
    responses = dict(session.execute(sa.select(Recommendation.id, Recommendation.response)
                                     .where(Recommendation.plan_id == plan.id)).all())
    no_information = _no_information(session, period.id)
    recs = [_recommendation_row(r, settings, responses.get(r.id), no_information.get(r.id, 0))
            for r in result.recommendations]
    files = [_level_row(f.file.id, f.figures) for f in result.files]
    head = transparency_log.latest_head(session)
    key = log_key.public_key(session, head.key_id if head is not None else None)
    name = re.sub(r"[^a-z0-9._-]+", "-", f"monitor-{plan.slug}-{period.label}-{number}".lower())
    alpha = {str(f.file.id): f.figures.alpha for f in result.files
             if not f.figures.low_coverage}
    if not result.overall.low_coverage:
        alpha["plan"] = result.overall.alpha
    package = {
        "name": name,
        "title": f"{plan.title_en or plan.slug}: {period.label} (open dataset no. {number})",
        "description": (
            "Independent NGO evaluations set against the government's own figures, as "
            "published by monitor. Recompute every figure with: python verify.py ."),
        "version": f"{number}.0.0",
        "created": utcnow().replace(microsecond=0).isoformat() + "Z",
        "resources": [
            _resource("recommendations", REC_FIELDS),
            _resource("files", LEVEL_FIELDS),
            _resource("plan", LEVEL_FIELDS),
        ],
        "monitor": {
            "plan": plan.slug, "period": period.label, "snapshot": number,
            "starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(),
            "settings": {"min_ngos": settings.min_ngos,
                         "divergence_threshold": settings.threshold,
                         "min_ngos_distribution": disclosure.MIN_NGOS_DISTRIBUTION},
            "files": {str(f.file.id): {lang: getattr(f.file, f"title_{lang}")
                                       for lang in ("ar", "ckb", "en")} for f in result.files},
            "alpha": alpha,
            "submissions": result.submissions,
            "signed_head": transparency_log.head_dict(head) if head is not None else None,
        },
    }
    out = {
        "datapackage.json": json.dumps(package, ensure_ascii=False, indent=2).encode(),
        "recommendations.csv": write_csv(REC_FIELDS, recs),
        "files.csv": write_csv(LEVEL_FIELDS, files),
        "plan.csv": write_csv(LEVEL_FIELDS, [_level_row(None, result.overall)]),
        "verify.py": Path(verify_script.__file__).read_bytes(),
    }
    if key is not None:
        out["log_key.pub"] = key.public_key.encode()
    return out


def _resource(name: str, fields: list[str]) -> dict[str, Any]:
    return {"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8-sig", "schema": _schema(fields)}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def snapshot(session: Session, period: ReportingPeriod) -> OpenDataSnapshot:
    """Fix the next numbered snapshot of a (published) period."""
    number = (session.scalar(sa.select(sa.func.max(OpenDataSnapshot.number))
                             .where(OpenDataSnapshot.period_id == period.id)) or 0) + 1
    item = OpenDataSnapshot(period_id=period.id, number=number, created_at=utcnow(),
                            package=_zip(build(session, period.plan, period, number)))
    session.add(item)
    session.flush()
    return item


def latest_snapshot(session: Session, period: ReportingPeriod) -> OpenDataSnapshot:
    """The dataset of a published period (made now if it was published before datasets
    existed). The caller commits."""
    if period.published_at is None:
        raise OpenDataError(f"The results of {period.label} are not published.")
    found = session.scalar(sa.select(OpenDataSnapshot)
                           .where(OpenDataSnapshot.period_id == period.id)
                           .order_by(OpenDataSnapshot.number.desc()).limit(1))
    return found if found is not None else snapshot(session, period)


def latest_number(session: Session, period: ReportingPeriod) -> int | None:
    return session.scalar(sa.select(sa.func.max(OpenDataSnapshot.number))
                          .where(OpenDataSnapshot.period_id == period.id))


def extract(item: OpenDataSnapshot, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(item.package)) as archive:
        archive.extractall(folder)
        return archive.namelist()
