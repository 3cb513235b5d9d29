"""No module reaches into another package's private module or private name.

A private module (``_outputs``) or name (``_featurize``) may be used inside the
package that owns it, and in that package's sub-packages; anything another
package needs is made public (re-exported from its ``__init__`` with ``__all__``).
Layers and cycles are checked by ``lint-imports`` (``make lint``).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _target(node: ast.ImportFrom, package: list[str]) -> list[str]:
    if not node.level:
        return (node.module or "").split(".")
    base = package[: len(package) - (node.level - 1)]
    return base + (node.module.split(".") if node.module else [])


def private_imports(src: Path) -> list[str]:
    """``file:line: what`` for each import of another package's private module or name."""
    found = []
    for path in sorted((src / "activelab").rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        package = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target, names = _target(node, package), [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                target, names = [], []
                for alias in node.names:
                    if alias.name.startswith("activelab."):
                        target = alias.name.split(".")
            else:
                continue
            if not target or target[0] != "activelab":
                continue
            where = f"{path.relative_to(src)}:{node.lineno}"
            for j, component in enumerate(target):
                owner = target[:j]
                if _is_private(component) and package[: len(owner)] != owner:
                    found.append(f"{where}: private module {'.'.join(target[: j + 1])}")
            is_package = src.joinpath(*target).is_dir()
            target_package = target if is_package else target[:-1]
            for name in names:
                submodule = (src.joinpath(*target, name).is_dir()
                             or src.joinpath(*target, f"{name}.py").is_file())
                if _is_private(name) and not submodule and target_package != package:
                    found.append(f"{where}: private name {'.'.join(target)}.{name}")
    return found


def test_no_import_reaches_into_another_packages_private_parts():
    assert private_imports(SRC) == []


def test_the_check_finds_private_modules_and_names(tmp_path):
    pkg = tmp_path / "activelab"
    for folder in ("models", "tasks", "tasks/sub"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "_random.py").write_text("")
    (pkg / "models" / "_outputs.py").write_text("")
    (pkg / "simulation.py").write_text("")
    (pkg / "tasks" / "_curves.py").write_text("")
    (pkg / "tasks" / "ok.py").write_text(
        "from .._random import seed\nfrom ._curves import TaskCurves\nfrom . import _curves\n")
    (pkg / "tasks" / "sub" / "ok.py").write_text("from .._curves import TaskCurves\n")
    (pkg / "learner.py").write_text("from .models._outputs import p\n"
                                    "from .simulation import _same_package\n"
                                    "import activelab.tasks._curves\n")
    (pkg / "tasks" / "bad.py").write_text("from ..simulation import _featurize, make_split\n")
    assert private_imports(tmp_path) == [
        "activelab/learner.py:1: private module activelab.models._outputs",
        "activelab/learner.py:3: private module activelab.tasks._curves",
        "activelab/tasks/bad.py:1: private name activelab.simulation._featurize",
    ]
