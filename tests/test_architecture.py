"""The house rules a newcomer relies on to find things, checked on the code itself:
dependencies flow one way (blueprints and CLI -> services -> models), no blueprint reaches
into another, services are grouped by area of the product with a few shared kernels, and
no module grows past what one person can read."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from monitor import TOP

PACKAGE = TOP / "monitor"
BLUEPRINTS = {"api", "audit", "auth", "catalogue", "enrolment", "evaluation", "outreach",
              "outreach_public", "public", "two_step",
              "reports", "results"}
#: Layers from the bottom; a module may import its own layer or a lower one.
LAYERS = [
    {"config", "extensions", "tokens", "db_sqlite", "text", "mime"},
    {"models", "i18n", "errors", "security_log", "links"},
    {"services", "access", "security", "sessions", "sign_in"},
    {"demo", "forms", "web"},
    BLUEPRINTS | {"cli"},
]


def _module(path: Path) -> str:
    parts = list(path.relative_to(TOP).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _submodule_or_self(target: str, name: str) -> str:
    """`from target import name`: the module imported (name may be a module or an attribute)."""
    candidate = TOP.joinpath(*target.split("."), name)
    return f"{target}.{name}" if (candidate.with_suffix(".py").exists()
                                  or (candidate / "__init__.py").exists()) else target


def _imports() -> list[tuple[str, str]]:
    """(importer, imported) for every import of monitor's own modules."""
    edges = []
    for path in PACKAGE.rglob("*.py"):
        name, is_package = _module(path), path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = (name if is_package else name.rsplit(".", 1)[0]).split(".")
                    base = base[: len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.startswith("monitor"):
                    edges += [(name, _submodule_or_self(target, a.name)) for a in node.names]
            elif isinstance(node, ast.Import):
                edges += [(name, a.name) for a in node.names if a.name.startswith("monitor")]
    return edges


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""  # "" is the package top, create_app


def _layer(area: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if area in names)


def test_every_area_of_the_package_has_a_layer():
    areas = {_area(_module(p)) for p in PACKAGE.rglob("*.py")} - {""}
    assert areas <= set().union(*LAYERS), areas - set().union(*LAYERS)


def test_no_module_imports_a_higher_layer_and_nothing_imports_the_package_top():
    wrong = [(a, b) for a, b in _imports() if _area(a) and (
        not _area(b) or _layer(_area(b)) > _layer(_area(a)))]
    assert wrong == []


def test_no_blueprint_imports_another_blueprint():
    wrong = [(a, b) for a, b in _imports()
             if _area(a) in BLUEPRINTS and _area(b) in BLUEPRINTS and _area(a) != _area(b)]
    assert wrong == []


def test_services_are_grouped_by_area_with_a_few_shared_kernels():
    services = PACKAGE / "services"
    kernels = [p.stem for p in services.glob("*.py") if p.stem != "__init__"]
    areas = [p.name for p in services.iterdir() if (p / "__init__.py").exists()]
    assert len(areas) >= 3 and len(kernels) <= 8, (areas, kernels)
    assert not [p for p in services.rglob("*.py") if "demo" in p.stem]


@pytest.mark.parametrize("name", ["questionnaire.py", "questionnaires.py"])
def test_no_two_service_modules_differ_by_one_letter(name):
    found = [p for p in (PACKAGE / "services").rglob(name)]
    assert len(found) <= 1 and not (name == "questionnaires.py" and found)


def test_no_module_is_longer_than_one_person_reads():
    long = {str(p.relative_to(TOP)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700}
    assert long == {}


def test_mail_is_built_and_sent_with_the_standard_library_alone():
    """One way to send mail (mime.py's EmailMessage, sent by services/mailer.py with
    smtplib): no mail extension initialised beside it that sends nothing."""
    import tomllib

    project = tomllib.loads((TOP / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("flask-mail")]
    for path in PACKAGE.rglob("*.py"):
        assert "flask_mail" not in path.read_text(encoding="utf-8"), path
