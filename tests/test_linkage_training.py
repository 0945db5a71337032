"""The linkage model is learned from each run's own data and never falls back silently
(docs/linkage.md, training): labels first, EM when labels are too few, the shipped parameters
only as a last resort, and each step down is recorded as a warning."""

from __future__ import annotations

import duckdb
import pytest

from etl.linkage import model, score

EM_UNDERFLOW = "m_probability value 1.87537e-319 is below the minimum allowed value of 1e-300"


@pytest.fixture(scope="module")
def features(small_region):
    """The small region's published linkage features and labels, in a fresh connection."""
    from etl.db import connect

    wh = connect(str(small_region[1]), read_only=True)
    columns = ", ".join(model.FEATURES)
    tables = {
        "_lk_units_all": wh.execute(f"select record_id as uid, {columns} from int_link_units").to_arrow_table(),
        "_lk_taxpayers": wh.execute(f"select taxpayer_id as uid, {columns} from int_link_taxpayers").to_arrow_table(),
        "labels": wh.execute("select record_id, taxpayer_id from int_unit_links_fixed order by record_id").to_arrow_table(),
    }
    wh.close()
    return tables


def _connection(features, n_labels: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, table in features.items():
        con.register("_t", table)
        con.execute(f"create table {name} as select * from _t")
        con.unregister("_t")
    limit = "" if n_labels is None else f"limit {n_labels}"
    con.execute(f"""create table _lk_labels as select 'units' as source_dataset_l, record_id as uid_l,
                    'taxpayers' as source_dataset_r, taxpayer_id as uid_r from labels {limit}""")
    return con


def test_labels_train_the_model_and_em_is_not_needed(features, monkeypatch):
    def em_fails(linker):
        raise ValueError(EM_UNDERFLOW)

    monkeypatch.setattr(model, "train_em", em_fails)
    trained, training = score.train_local_on_duckdb(_connection(features))
    assert training.method == "labels" and trained is not None
    assert training.n_labels > 1000 and training.warnings == []
    # the strongest name and place levels weigh more than their weakest
    assert model.insane(trained) == []
    # labels teach what a moved business looks like: far apart is unlikely for a match, not impossible
    far = model._levels(trained, "place")[-1]
    assert model.M_FLOOR <= far["m_probability"] < 0.2


def test_too_few_labels_trains_by_em_and_says_so(features):
    trained, training = score.train_local_on_duckdb(_connection(features, n_labels=10))
    assert training.method == "em" and trained is not None
    assert any("only 10 exact-USCC links" in w for w in training.warnings)


def test_em_that_cannot_converge_falls_back_loudly(features, monkeypatch):
    def em_fails(linker):
        raise ValueError(EM_UNDERFLOW)

    monkeypatch.setattr(model, "train_em", em_fails)
    trained, training = score.train_local_on_duckdb(_connection(features, n_labels=10))
    assert trained is None and training.method == "shipped"
    text = " ".join(training.warnings)
    assert "EM failed" in text and "1.87537e-319" in text and "shipped parameters" in text


def test_labels_that_give_a_senseless_model_are_not_used(features, monkeypatch):
    """A model whose strongest name evidence weighs less than a different name is refused."""
    real = score._trained

    def inverted(trainer):
        trained, _ = real(trainer)
        levels = model._levels(trained, "name")
        for key in ("m_probability", "u_probability"):
            levels[0][key], levels[-1][key] = levels[-1][key], levels[0][key]
        problems = model.insane(trained)
        return (None, problems) if problems else (trained, [])

    monkeypatch.setattr(score, "_trained", inverted)
    trained, training = score.train_local_on_duckdb(_connection(features))
    assert trained is None and training.method == "shipped"
    assert any("strongest level weighs no more" in w for w in training.warnings)


def test_the_shipped_parameters_are_sane_and_current():
    shipped = model.default_model(20_000)
    assert model.insane(shipped) == []
    assert [c["output_column_name"] for c in shipped["comparisons"]] == list(model.COMPARISONS)
    fresh = model.settings().get_settings("duckdb").as_dict()
    for got, want in zip(shipped["comparisons"], fresh["comparisons"], strict=True):
        assert [lv["sql_condition"] for lv in got["comparison_levels"]] == \
               [lv["sql_condition"] for lv in want["comparison_levels"]], "retrain: tools/train_default_model.py"


def test_wide_pass_never_counts_place_against_a_pair():
    wide = model.for_wide_pass(model.default_model(20_000))
    for level in model._levels(wide, "place"):
        assert level["m_probability"] >= level["u_probability"]


def test_a_run_on_the_shipped_parameters_says_so_where_people_look(tiny_input, tmp_path, capsys):
    """The ETL's summary and exit status, etl_runs, link_model: nobody has to read a log line."""
    from etl.db import connect
    from taxmap import cli

    out = tmp_path / "out"
    code = cli.main(["etl", "--input", str(tiny_input), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_SHIPPED_MODEL == 3
    assert "WARNING: linkage: " in captured.out and "shipped parameters" in captured.out
    assert "--allow-shipped-model" in captured.err
    con = connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        warnings, = con.execute("select warnings from etl_runs order by finished_at desc limit 1").fetchone()
        assert any("shipped parameters" in w for w in warnings)
        assert con.execute("select training_method from link_model where pass = 'local'").fetchone()[0] == "shipped"
    finally:
        con.close()
    # accepted on purpose: published, exit 0, still warned
    assert cli.main(["etl", "--input", str(tiny_input), "--out", str(out), "--quiet", "--force",
                     "--allow-shipped-model"]) == 0
    assert "WARNING: linkage: " in capsys.readouterr().out


def test_the_comparisons_the_map_panel_reads_are_the_models():
    """taxmap/data/hexes.py reads mw_<comparison> from link_scores without importing the ETL."""
    from taxmap.data import hexes

    assert hexes.LINK_COMPARISONS == model.COMPARISONS
