"""Shared fixtures: a tiny hand-checked region, and the generated `small` region with its truth."""

from __future__ import annotations

import os
import shutil
import uuid
import tempfile
from pathlib import Path

import pytest

from dispatch.store import engine, open_store

from tiny_region import write_tiny_region

# The app's store (users, audit) and session key, for the whole test session and the servers it
# starts: never the developer's own data/taxmap.sqlite.
os.environ.setdefault("TAXMAP_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='taxmap-test-')}/store.sqlite")
os.environ.setdefault("TAXMAP_SECRET_KEY", "tests-only-secret")
os.environ.setdefault("TAXMAP_PHOTO_DIR", tempfile.mkdtemp(prefix="taxmap-photos-"))
PG_URL = os.environ.get("TAXMAP_TEST_DATABASE_URL")


def pg_schema_url(schema: str) -> str:
    """TAXMAP_TEST_DATABASE_URL with ``schema`` first on the search path."""
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"



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


@pytest.fixture(scope="session")
def small_second_run(small_region, tmp_path_factory):
    """The small region's warehouse (its first run), then a second run on another month's export
    (taxmap/demo/variant.py: 4 % of taxpayers gone, 4 % moved about 300 m, 40 new)."""
    from etl import pipeline
    from taxmap.demo.variant import write_variant
    from taxmap.warehouse import Warehouse

    base, warehouse = small_region
    work = tmp_path_factory.mktemp("small-two-runs")
    (work / "out").mkdir()
    shutil.copy(warehouse, work / "out" / pipeline.WAREHOUSE_NAME)
    first = Warehouse(work / "out" / pipeline.WAREHOUSE_NAME)
    first_run = first.query("select run_id from etl_runs order by finished_at desc limit 1")[0]["run_id"]
    first.close()
    write_variant(base / "input", work / "input", seed=11)
    second = pipeline.run_etl(work / "input", work / "out", force=True)
    return {"warehouse": second.warehouse, "first": first_run, "second": second.run_id}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A migrated task store: SQLite in tmp_path, and PostgreSQL in a schema of its own when
    TAXMAP_TEST_DATABASE_URL is set (.ci/run sets it when the server answers)."""
    if request.param == "sqlite":
        eng = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
        yield eng
        eng.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need TAXMAP_TEST_DATABASE_URL (.ci/run sets it when the server answers)")
    schema = f"taxmap_test_{uuid.uuid4().hex[:10]}"
    admin = engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"create schema {schema}")
    eng = open_store(pg_schema_url(schema))
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f"drop schema {schema} cascade")
    admin.dispose()
