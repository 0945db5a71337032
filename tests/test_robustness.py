"""Linkage, discrepancies and risk hold on data nobody tuned them to: two regions in two provinces
(Bao'an, Guangdong; Yiwu, Zhejiang) × three noise profiles drawn per seed, at small scale
(taxmap/demo/robustness.py; bench/robustness.py prints the same table)."""

from __future__ import annotations

import pytest

from taxmap.demo import robustness

CASES = robustness.cases()


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def case_row(request, tmp_path_factory):
    return robustness.run_case(request.param, tmp_path_factory.mktemp(request.param.name))


def test_every_case_meets_every_target(case_row):
    assert robustness.misses(case_row) == [], robustness.table([case_row])


def test_each_case_was_trained_on_its_own_labels(case_row):
    assert case_row["training_method"] == "labels", case_row["training_warnings"]


def test_profiles_differ_between_cases():
    from taxmap.demo.profiles import draw_profile

    drawn = {draw_profile(seed).to_json() for seed in robustness.PROFILE_SEEDS}
    assert len(drawn) == len(robustness.PROFILE_SEEDS)
