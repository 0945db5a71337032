"""A small dbt-style runner: discover the models, order them, build them, test them.

SQL models are the files under ``etl/models/{staging,intermediate,risk,marts}``, one
SELECT each; a model's dependencies are the other models and ``raw_*``
tables it reads (names after FROM or JOIN). Header comments configure a model:

    -- ephemeral                 not published; dropped once the last model reading it is built
    -- materialized: view        built as a view (rows not copied; read by few models)
    -- grain: one row per ...    documentation
    -- unique: col[, col]        tested after the build
    -- not_null: col, col        tested after the build
    -- accepted: <SQL condition> tested after the build (every row must hold)

Python models (``etl.geo.PYTHON_MODELS``) return an Arrow table and declare
their dependencies explicitly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "intermediate", "risk", "marts")


class ModelError(RuntimeError):
    """A model failed to build or broke one of its own tests: a defect, not bad input."""


@dataclass
class Model:
    name: str
    sql: str | None = None
    func: Callable | None = None
    deps: tuple[str, ...] = ()
    ephemeral: bool = False
    view: bool = False
    unique: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    path: Path | None = None


@dataclass
class Timing:
    name: str
    seconds: float
    rows: int


@dataclass
class RunReport:
    timings: list[Timing] = field(default_factory=list)


def _header_values(sql: str, key: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^--\s*{key}:\s*(.+)$", sql, flags=re.MULTILINE)]


def _split_columns(values: list[str]) -> tuple[str, ...]:
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


def load_sql_model(path: Path) -> Model:
    sql = path.read_text(encoding="utf-8")
    unique = _header_values(sql, "unique")
    return Model(
        name=path.stem,
        sql=sql,
        # risk indicators (etl/risk/registry.py) are gathered into risk_indicator_hits, never published alone
        ephemeral=path.parent.name == "risk" or bool(re.search(r"^--\s*ephemeral\s*$", sql, flags=re.MULTILINE)),
        view=_header_values(sql, "materialized") == ["view"],
        unique=tuple(unique),
        not_null=_split_columns(_header_values(sql, "not_null")),
        accepted=tuple(_header_values(sql, "accepted")),
        path=path,
    )


def discover(python_models: dict[str, tuple[Callable, tuple[str, ...]]], ephemeral_python: set[str],
             sources: set[str]) -> dict[str, Model]:
    models: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((MODELS_DIR / layer).glob("*.sql")):
            model = load_sql_model(path)
            if model.name in models:
                raise ModelError(f"two models named {model.name}")
            models[model.name] = model
    for name, (func, deps) in python_models.items():
        models[name] = Model(name=name, func=func, deps=tuple(deps), ephemeral=name in ephemeral_python)
    known = set(models) | sources
    for model in models.values():
        if model.sql is not None:
            body = re.sub(r"--[^\n]*", "", model.sql)
            named = set(re.findall(r"\b(?:from|join)\s+(\w+)", body, flags=re.IGNORECASE))
            model.deps = tuple(sorted(n for n in named if n in known and n != model.name))
        missing = [d for d in model.deps if d not in known]
        if missing:
            raise ModelError(f"model {model.name} depends on unknown {missing}")
    return models


def build_order(models: dict[str, Model]) -> list[Model]:
    """Topological order, ties broken by name so every run builds in the same order."""
    order: list[Model] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name not in models:
            return
        if name in visiting:
            raise ModelError(f"dependency cycle through {name}")
        visiting.add(name)
        for dep in models[name].deps:
            visit(dep)
        visiting.discard(name)
        done.add(name)
        order.append(models[name])

    for name in sorted(models):
        visit(name)
    return order


def build(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    try:
        if model.func is not None:
            table = model.func(con)
            con.register("_python_model", table)
            try:
                con.execute(f"create or replace table {model.name} as select * from _python_model")
            finally:
                con.unregister("_python_model")
        else:
            kind = "view" if model.view else "table"
            con.execute(f"create or replace {kind} {model.name} as {model.sql}")
    except duckdb.Error as exc:
        raise ModelError(f"model {model.name} failed: {exc}") from exc
    test(con, model)
    return con.execute(f"select count(*) from {model.name}").fetchone()[0]


def test(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    for key in model.unique:
        dupes = con.execute(
            f"select count(*) from (select {key} from {model.name} group by all having count(*) > 1)"
        ).fetchone()[0]
        if dupes:
            raise ModelError(f"model {model.name}: {dupes} repeated values of unique key ({key})")
    for column in model.not_null:
        nulls = con.execute(f"select count(*) from {model.name} where {column} is null").fetchone()[0]
        if nulls:
            raise ModelError(f"model {model.name}: {nulls} NULL values in {column}")
    for condition in model.accepted:
        bad = con.execute(f"select count(*) from {model.name} where not ({condition})").fetchone()[0]
        if bad:
            raise ModelError(f"model {model.name}: {bad} rows break '{condition}'")


def drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a table or a view (raw Parquet sources are views)."""
    kind = con.execute("select 'view' from duckdb_views() where view_name = ? union all "
                       "select 'table' from duckdb_tables() where table_name = ?", [name, name]).fetchone()
    if kind:
        con.execute(f"drop {kind[0]} {name}")


def _reads(model: Model, models: dict[str, Model]) -> set[str]:
    """What building ``model`` reads: its dependencies and, through a view, the view's own (a view
    reads its tables when it is queried, so they must outlive every reader of the view)."""
    seen: set[str] = set()
    todo = list(model.deps)
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            if dep in models and models[dep].view:
                todo.extend(models[dep].deps)
    return seen


def run(con: duckdb.DuckDBPyConnection, models: dict[str, Model],
        on_model: Callable[[Timing, int, int], None] | None = None, keep: bool = False) -> RunReport:
    """Build every model in order; ``on_model`` hears of each one as it finishes.

    An ephemeral model or ``raw_*`` table is dropped as soon as the last model
    reading it is built, so a large region's intermediates do not pile up in
    memory (unless ``keep``: for audits and tests).
    """
    report = RunReport()
    order = build_order(models)
    pending: dict[str, set[str]] = {}
    reads = {model.name: _reads(model, models) for model in order}
    for model in order:
        for dep in reads[model.name]:
            pending.setdefault(dep, set()).add(model.name)
    for index, model in enumerate(order, start=1):
        started = time.perf_counter()
        rows = build(con, model)
        timing = Timing(model.name, time.perf_counter() - started, rows)
        report.timings.append(timing)
        for dep in reads[model.name]:
            pending[dep].discard(model.name)
            droppable = dep.startswith("raw_") or (dep in models and models[dep].ephemeral)
            if not pending[dep] and droppable and not keep:
                drop_relation(con, dep)
        if on_model:
            on_model(timing, index, len(order))
    return report
