"""The model runner: discovery, dependency order, and the sidecar tests that guard each model."""

from __future__ import annotations

import re

import duckdb
import pytest

from etl import runner
from etl.pipeline import discover_models


@pytest.fixture(scope="module")
def models():
    return discover_models()


def test_every_contract_table_is_a_model(models):
    assert {"unit_links", "discrepancies", "taxpayer_risk", "hex_stats", "rejects", "quality_issues"} <= set(models)


def test_dependencies_come_first_and_order_is_stable(models):
    order = [m.name for m in runner.build_order(models)]
    assert order == [m.name for m in runner.build_order(models)]
    position = {name: i for i, name in enumerate(order)}
    for model in models.values():
        for dep in model.deps:
            if dep in position:
                assert position[dep] < position[model.name], (dep, model.name)
    assert position["stg_taxpayers"] < position["int_unit_links_fixed"] < position["unit_links"] \
        < position["hex_stats"]


def test_sql_models_follow_the_layout(models):
    for model in models.values():
        if model.path is not None:
            assert model.path.parent.name in runner.LAYERS
            text = model.sql.lower()
            if model.path.parent.name == "risk":  # indicators: their header is checked by etl/risk/registry.py
                assert "-- indicator:" in text and model.ephemeral, model.name
                continue
            assert "-- grain:" in text, f"{model.name} must say its grain"
            code = re.sub(r"'[^']*'", "''", re.sub(r"--[^\n]*", "", text))
            assert ";" not in code, f"{model.name}: one SELECT per file"
            assert re.search(r"select \* from final", code), f"{model.name}: end with select * from final"
            if not model.ephemeral and "-- grain: one row:" not in text:
                assert model.unique, f"{model.name} must name its unique key"


def test_a_model_breaking_its_unique_test_fails_the_build():
    con = duckdb.connect()
    model = runner.Model(name="dupes", sql="select * from (values (1), (1)) t(k)", unique=("k",))
    with pytest.raises(runner.ModelError, match="repeated values"):
        runner.build(con, model)


def test_a_model_breaking_not_null_or_accepted_fails_the_build():
    con = duckdb.connect()
    with pytest.raises(runner.ModelError, match="NULL values in k"):
        runner.build(con, runner.Model(name="m1", sql="select null::int as k", not_null=("k",)))
    with pytest.raises(runner.ModelError, match="break"):
        runner.build(con, runner.Model(name="m2", sql="select 'x' as k", accepted=("k in ('a', 'b')",)))


def test_a_cycle_is_reported():
    a = runner.Model(name="a", sql="select * from b", deps=("b",))
    b = runner.Model(name="b", sql="select * from a", deps=("a",))
    with pytest.raises(runner.ModelError, match="cycle"):
        runner.build_order({"a": a, "b": b})
