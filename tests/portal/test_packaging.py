"""`pip install .` must install every app the settings name, with the data
files inside them (a migration loads portal/data/regions.csv)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from setuptools import find_packages

ROOT = Path(settings.BASE_DIR)
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def our_apps() -> set[str]:
    """Top-level packages of the installed apps that live in this repository."""
    return {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        and ".venv" not in Path(config.path).parts
    }


def test_every_installed_app_is_in_the_package() -> None:
    packaged = set(find_packages(str(ROOT), include=CONFIG["packages"]["find"]["include"]))
    assert our_apps(), "no app of this repository found in INSTALLED_APPS"
    assert our_apps() <= packaged, our_apps() - packaged
    # Their migrations and management commands are packages too.
    assert {"portal.migrations", "demo.management.commands"} <= packaged


def test_every_data_file_inside_an_app_is_in_the_package() -> None:
    patterns = CONFIG["package-data"]["*"]
    for app in our_apps():
        for path in (ROOT / app).rglob("*"):
            if not path.is_file() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
                continue
            package_dir = path.parent
            while not (package_dir / "__init__.py").exists():
                package_dir = package_dir.parent
            relative = path.relative_to(package_dir)
            assert any(relative.match(p) or _glob(relative, p) for p in patterns), path


def _glob(relative: Path, pattern: str) -> bool:
    """setuptools' "**" spans directories; Path.match's does not before 3.13."""
    head, _, tail = pattern.partition("/**/")
    return bool(tail) and relative.parts[0] == head and relative.match(tail)
