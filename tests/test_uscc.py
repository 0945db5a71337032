"""GB 32100 check characters."""

import numpy as np
import pytest

from etl import uscc

# Published codes: the standard's own example, and the registrations of large Shenzhen/Beijing companies.
REAL_CODES = ["91350100M000100Y43", "914403001922038216", "91440300708461136T", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_published_codes_are_valid(code):
    assert uscc.is_valid(code)
    assert uscc.check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_CODES)
def test_any_single_character_change_is_caught(code):
    for i in range(17):
        for c in uscc.ALPHABET:
            if c != code[i]:
                assert not uscc.is_valid(code[:i] + c + code[i + 1:])


@pytest.mark.parametrize("bad", ["", "9135010", "91350100M000100Y4", "91350100M000100Y43X", "91350100M00O100Y43",
                                 "91350100m000100Y43", None])
def test_wrong_length_or_alphabet_is_invalid(bad):
    assert not uscc.is_valid(bad)


@pytest.mark.parametrize("code", REAL_CODES)
def test_org_code_check_matches_the_organisation_code_inside_real_codes(code):
    # Characters 9–17 are a GB 11714 organisation code whose last character is its own check.
    assert uscc.org_check_char(code[8:16]) == code[16]


def test_vectorised_validation_agrees_with_scalar():
    rng = np.random.default_rng(3)
    valid_alphabet = np.array(list(uscc.ALPHABET))
    any_alphabet = np.array(list(uscc.ALPHABET + "IOZ"))
    codes = []
    for i in range(3000):
        if i % 2:
            body = "".join(rng.choice(valid_alphabet, 17))
            codes.append(body + uscc.check_char(body))
        else:
            codes.append("".join(rng.choice(any_alphabet, 18)))
    codes += [None, "", "短", "９1350100M000100Y43"]
    expected = np.array([uscc.is_valid(c) for c in codes])
    np.testing.assert_array_equal(uscc.validate_array(codes), expected)
    assert expected.sum() > 1000
