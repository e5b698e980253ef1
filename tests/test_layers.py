"""The package reads as the pipeline, and imports point one way: load -> convert -> theme ->
writers -> build -> commands. Read from the source (every import statement, also those inside
functions), so a late import cannot hide a dependency that runs backwards."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "publish"

# Modules every stage may use: they import nothing of ours but each other (listed in order).
FOUNDATION = (
    "publish",
    "publish.errors",
    "publish.confinement",
    "publish.model",
    "publish.store",
    "publish.processes",
    "publish.bounded",
)
SHARED_BY_WRITERS = (
    "publish.writers.fetcher",
    "publish.writers.pypdf_internals",
    "publish.writers.resample",
)  # the door WeasyPrint reads through; pypdf internals; raster images made screen-sized
STAGES = ("load", "convert", "theme", "writers", "build", "commands")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "publish" or name.startswith("publish.")}


def _rank(module: str) -> int:
    """0 for the foundation, then 1 + the stage's place in the pipeline."""
    if module in FOUNDATION:
        return 0
    stage = module.split(".")[1]
    assert stage in STAGES, f"{module} is in no stage: put it in one of {', '.join(STAGES)}"
    return 1 + STAGES.index(stage)


MODULES = _modules()


def _target(name: str) -> str | None:
    """The module an imported name belongs to (``publish.model.Book`` -> ``publish.model``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_the_top_level_holds_only_stages_and_the_foundation():
    top = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if p.name != "__pycache__" and (p.suffix == ".py" or p.is_dir())
    }
    expected = {
        "__init__",
        "__main__",
        "model",
        "errors",
        "confinement",
        "store",
        "processes",
        "bounded",
        "starter",
        *STAGES,
    }
    assert top == expected


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_pipeline(module):
    rank = _rank(module) if module != "publish.__main__" else len(STAGES) + 1
    for name in _imports(MODULES[module]):
        target = _target(name)
        if target is None or target == "publish":  # `from publish import __version__`
            continue
        assert _rank(target) <= rank, f"{module} imports {target}, a later stage"
        if rank == 0:
            assert FOUNDATION.index(target) < FOUNDATION.index(module), f"{module} imports {target}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("publish.writers.")))
def test_writers_never_import_each_other(module):
    own = module.split(".")[2]
    for name in _imports(MODULES[module]):
        target = _target(name)
        if target and target.startswith("publish.writers.") and target not in SHARED_BY_WRITERS:
            assert target.split(".")[2] == own, f"{module} imports {target}: writers share the model, never each other"


def test_the_contract_sees_imports_inside_functions(tmp_path):
    """The checker itself: a backwards import hidden in a function body is seen and ranked."""
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from publish.build.pipeline import build\n    import publish.model\n")
    found = {_target(name) for name in _imports(module)}
    assert found == {"publish.build.pipeline", "publish.model"}
    assert _rank("publish.build.pipeline") > _rank("publish.convert.chapter")
