"""Shared fixtures: a tiny hand-checked region, and the generated `small` region with its truth."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tiny_region import write_tiny_region

# The app's store (users, audit) and session key, for the whole test session and the servers it
# starts: never the developer's own data/taxmap.sqlite.
os.environ.setdefault("TAXMAP_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='taxmap-test-')}/store.sqlite")
os.environ.setdefault("TAXMAP_SECRET_KEY", "tests-only-secret")


@pytest.fixture
def tiny_input(tmp_path: Path) -> Path:
    return write_tiny_region(tmp_path / "input")


@pytest.fixture(scope="session")
def tiny_warehouse(tmp_path_factory) -> Path:
    from etl.pipeline import run_etl

    base = tmp_path_factory.mktemp("tiny")
    write_tiny_region(base / "input")
    return run_etl(base / "input", base / "out").warehouse


def copy_input(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def small_region(tmp_path_factory):
    """The generated `small` region (input/ and truth/) and its warehouse, built once per session."""
    from etl.pipeline import run_etl
    from taxmap.demo import generate

    base = tmp_path_factory.mktemp("small")
    generate(scale="small", seed=7, out=base)
    result = run_etl(base / "input", base / "out")
    return base, result.warehouse
