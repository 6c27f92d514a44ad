"""directory/core is pure: no Flask, no SQLAlchemy, no geometry or map libraries (that is
directory/geo and directory/maps), nothing from the app outside the core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "directory" / "core"
FORBIDDEN_TOP_LEVEL = {"flask", "sqlalchemy", "flask_sqlalchemy", "flask_migrate", "flask_login", "flask_wtf"}
GEOMETRY = {"pyproj", "shapely", "geopandas", "geoalchemy2", "folium"}


def _modules():
    return sorted(CORE.rglob("*.py"))


def _package_of(path: Path) -> list[str]:
    """``directory/core/x/y.py`` -> ``["directory", "core", "x"]``."""
    return list(path.relative_to(CORE.parent.parent).with_suffix("").parts[:-1])


def _imported_names(path: Path, source: str | None = None) -> list[str]:
    """Absolute dotted names of everything the module imports (relative ones resolved)."""
    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(path)
                base = package[: len(package) - (node.level - 1)]
                if node.level - 1 > len(package):
                    base = []
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if node.module is None:
                names.extend(f"{module}.{alias.name}" for alias in node.names)
            else:
                names.append(module)
    return names


def _forbidden(name: str) -> bool:
    top = name.split(".")[0]
    if top in FORBIDDEN_TOP_LEVEL or top in GEOMETRY or top.startswith("flask_") or top == "flask":
        return True
    if top == "directory":
        return not (name == "directory.core" or name.startswith("directory.core."))
    return False


def test_core_has_modules():
    names = {p.name for p in _modules()}
    assert {"types.py", "vocabulary.py", "eligibility.py", "oocd.py", "ranking.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_nothing_from_the_app_or_frameworks(path):
    bad = [name for name in _imported_names(path) if _forbidden(name)]
    assert bad == [], f"{path.relative_to(CORE.parent.parent)} imports {bad}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import flask", True),
        ("from flask import Flask", True),
        ("import sqlalchemy.orm", True),
        ("from flask_wtf import FlaskForm", True),
        ("from directory.models import Service", True),
        ("from ..models import Service", True),
        ("from .. import db", True),
        ("from directory.core.types import Profile", False),
        ("from .types import Profile", False),
        ("from . import vocabulary", False),
        ("import shapely", True),
        ("from shapely.geometry import shape", True),
        ("from pyproj import Transformer", True),
        ("import geopandas", True),
        ("from geoalchemy2 import Geometry", True),
        ("from directory.geo.distance import DistanceIndex", True),
        ("import math", False),
    ],
)
def test_the_checker_itself(source, expected):
    names = _imported_names(CORE / "probe.py", source)
    assert any(_forbidden(n) for n in names) is expected
