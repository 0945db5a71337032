"""Coordinate conversion against published reference points and exact round trips."""

import numpy as np
import pytest

from etl import coords

# (wgs lat, wgs lng, gcj lat, gcj lng): the reference points of the widely used
# eviltransform test suite (googollee/eviltransform, tests for every language port).
PUBLISHED_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen (Bao'an / Nanshan border)
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# wandergis/coordtransform's fixture (reused by many ports): one point near Tian'anmen.
FIXTURE_POINT = (116.404, 39.915)
FIXTURE_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
FIXTURE_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
FIXTURE_BD_TO_GCJ_APPROX = (116.39762729119315, 39.90865673957631)


@pytest.mark.parametrize("wlat,wlng,glat,glng", PUBLISHED_GCJ)
def test_wgs84_to_gcj02_matches_published_points(wlat, wlng, glat, glng):
    lng, lat = coords.wgs84_to_gcj02(wlng, wlat)
    assert coords.haversine_m(lng, lat, glng, glat) < 0.01


@pytest.mark.parametrize("wlat,wlng,glat,glng", PUBLISHED_GCJ)
def test_gcj02_to_wgs84_inverse_is_within_a_metre_of_published_points(wlat, wlng, glat, glng):
    lng, lat = coords.gcj02_to_wgs84(glng, glat)
    assert coords.haversine_m(lng, lat, wlng, wlat) < 1.0


def test_forward_formulas_match_the_coordtransform_fixture():
    assert coords.haversine_m(*coords.wgs84_to_gcj02(*FIXTURE_POINT), *FIXTURE_WGS_TO_GCJ) < 0.01
    assert coords.haversine_m(*coords.gcj02_to_bd09(*FIXTURE_POINT), *FIXTURE_GCJ_TO_BD) < 0.01


def test_bd09_inverse_is_exact_where_the_closed_form_is_not():
    lng, lat = coords.bd09_to_gcj02(*FIXTURE_POINT)
    # The closed-form inverse most libraries ship is within a few metres; ours solves the forward formula.
    assert coords.haversine_m(lng, lat, *FIXTURE_BD_TO_GCJ_APPROX) < 5.0
    assert coords.haversine_m(*coords.gcj02_to_bd09(lng, lat), *FIXTURE_POINT) < 0.01


def test_round_trips_are_exact_over_many_points_at_once():
    rng = np.random.default_rng(7)
    lng = rng.uniform(73.5, 135.0, 200_000)
    lat = rng.uniform(18.0, 53.5, 200_000)
    for forward, inverse in ((coords.wgs84_to_gcj02, coords.gcj02_to_wgs84),
                             (coords.wgs84_to_bd09, coords.bd09_to_wgs84)):
        back_lng, back_lat = inverse(*forward(lng, lat))
        assert back_lng.shape == lng.shape
        assert coords.haversine_m(back_lng, back_lat, lng, lat).max() < 0.01


def test_the_gcj_offset_in_shenzhen_is_hundreds_of_metres():
    lng, lat = coords.wgs84_to_gcj02(113.88, 22.58)
    assert 400 < coords.haversine_m(lng, lat, 113.88, 22.58) < 700


def test_points_outside_china_are_not_shifted():
    lng, lat = coords.wgs84_to_gcj02(np.array([2.35, -74.0]), np.array([48.85, 40.7]))
    np.testing.assert_array_equal(lng, [2.35, -74.0])
    np.testing.assert_array_equal(lat, [48.85, 40.7])


def test_to_wgs84_handles_mixed_systems_and_flags_unknown_ones():
    wlng, wlat = np.array([113.9, 113.91, 113.92, 113.93, 113.94]), np.full(5, 22.6)
    glng, glat = coords.wgs84_to_gcj02(wlng, wlat)
    blng, blat = coords.wgs84_to_bd09(wlng, wlat)
    lng = np.array([wlng[0], glng[1], blng[2], wlng[3], wlng[4]])
    lat = np.array([wlat[0], glat[1], blat[2], wlat[3], wlat[4]])
    systems = np.array(["WGS84", "GCJ02", "BD09", "CGCS2000", "MARS"], dtype=object)
    out_lng, out_lat = coords.to_wgs84(lng, lat, systems)
    assert coords.haversine_m(out_lng[:4], out_lat[:4], wlng[:4], wlat[:4]).max() < 0.01
    assert np.isnan(out_lng[4]) and np.isnan(out_lat[4])


def test_haversine_one_degree_of_latitude():
    assert coords.haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111_195, rel=1e-3)
