"""One association-code normaliser for counts files and boundary files (chonaikai.codes)."""

import pytest

from chonaikai.associations.imports import importer
from chonaikai.codes import normalize_association_code
from wards import boundaries


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("01101-0001", "01101-0001"),
        ("０１１０１－０００１", "01101-0001"),  # full width
        ("01101ー0001", "01101-0001"),  # katakana long-vowel mark
        ("01101ｰ0001", "01101-0001"),  # its half-width form (NFKC makes it ー)
        ("01101―0001", "01101-0001"),  # horizontal bar
        ("01101−0001", "01101-0001"),  # minus sign
        (" 01101 - 0001　", "01101-0001"),  # spaces, ideographic space
        ("011010001", "01101-0001"),  # nine digits
        ("1101-1", "1101-1"),  # not a code: folded, for the caller to refuse
    ],
)
def test_counts_files_and_boundary_files_read_a_code_alike(db, typed, expected):
    # The loaded city (the suite's) numbers its associations with 4 digits.
    assert normalize_association_code(typed, 4) == expected
    assert importer.normalize_code(typed, 4) == expected
    assert boundaries.normalise_area_code(typed, level="association") == expected


def test_a_number_cell_is_read_as_its_digits():
    assert importer.normalize_code(11010001.0) == "11010001"
    assert importer.normalize_code(None) == ""


def test_boundary_files_read_municipality_codes_with_the_one_normaliser():
    from chonaikai.codes import normalize_municipality_code

    assert boundaries.normalise_code is normalize_municipality_code
    assert normalize_municipality_code("０１１０１") == "01101"
    assert normalize_municipality_code("٠١١٠١") is None  # Arabic-Indic digits are not a code
