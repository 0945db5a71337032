"""Linkage, discrepancies and risk hold on data nobody tuned them to: two regions in two provinces
(Bao'an, Guangdong; Yiwu, Zhejiang) × three noise profiles drawn per seed, at small scale
(taxmap/demo/robustness.py; bench/robustness.py prints the same table)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from taxmap.demo import robustness

CASES = robustness.cases()
# CI runs one profile per region (the two that were hardest when the harness was built); the whole matrix,
# both regions × three profiles, runs with `make test-slow` and `python bench/robustness.py`.
CI_CASES = [robustness.Case("baoan", 101), robustness.Case("yiwu", 202)]


def _run_all(cases, base) -> dict[str, dict]:
    """Each case generated, run and scored once, two at a time (each is mostly single-threaded Python)."""
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {c.name: pool.submit(robustness.run_case, c, base) for c in cases}
        return {name: f.result() for name, f in futures.items()}


@pytest.fixture(scope="module")
def ci_rows(tmp_path_factory) -> dict[str, dict]:
    return _run_all(CI_CASES, tmp_path_factory.mktemp("robustness-ci"))


@pytest.fixture(scope="module")
def all_rows(tmp_path_factory) -> dict[str, dict]:
    return _run_all(CASES, tmp_path_factory.mktemp("robustness"))


def _check(row: dict) -> None:
    assert robustness.misses(row) == [], robustness.table([row])
    assert row["training_method"] == "labels", row["training_warnings"]


@pytest.mark.parametrize("case", CI_CASES, ids=[c.name for c in CI_CASES])
def test_a_random_profile_on_each_region_meets_every_target(ci_rows, case):
    _check(ci_rows[case.name])


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_region_and_profile_meets_every_target(all_rows, case):
    _check(all_rows[case.name])


def test_profiles_differ_between_cases():
    from taxmap.demo.profiles import draw_profile

    drawn = {draw_profile(seed).to_json() for seed in robustness.PROFILE_SEEDS}
    assert len(drawn) == len(robustness.PROFILE_SEEDS)
