"""Root pytest configuration: the doctests of the ``convlab`` package.

The plain ``pytest`` command collects ``tests/`` and the docstring examples of every module
under ``convlab/`` (``testpaths`` and ``--doctest-modules`` in pyproject.toml). A module
that imports an optional extra at module level (e.g. ``convlab/backends/_numba_kernels.py``
needs numba) cannot be imported without it; such a module is left out of the collection
when the extra is missing, instead of failing it. Only the optional packages below count:
a module whose import fails for any other reason still fails the run.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent / "convlab"

#: Top-level packages of the optional extras (pyproject ``[project.optional-dependencies]``).
OPTIONAL_PACKAGES = frozenset({
    "dask", "distributed", "numba", "pyarrow", "pytorch_optimizer", "threadpoolctl", "torch",
    "unifiedsam",
})


@functools.cache
def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def module_level_imports(path: Path) -> set[str]:
    """Top-level package names imported unconditionally by the module at ``path``.

    Only imports that run on ``import module`` count: statements directly in the module
    body (not in functions, ``try`` blocks or ``if`` blocks such as ``TYPE_CHECKING``),
    absolute ones only.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def missing_extras(path: Path) -> list[str]:
    """The optional packages the module at ``path`` imports that are not installed."""
    return sorted(n for n in module_level_imports(path) & OPTIONAL_PACKAGES
                  if not _installed(n))


def pytest_ignore_collect(collection_path: Path, config: object) -> bool | None:
    """Leave out the convlab modules whose optional extras are not installed."""
    path = Path(collection_path)
    if path.suffix != ".py" or not path.resolve().is_relative_to(_PACKAGE):
        return None
    try:
        return True if missing_extras(path) else None
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None                     # let the collection itself report the problem
