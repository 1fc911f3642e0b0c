"""Amounts as people write them: one parser (wording.parse_yen) for the wizard, the report and the
review forms. Table-driven, no database."""

import pytest

from chonaikai.subsidies import wording
from chonaikai.subsidies.forms import YenField

ACCEPTED = [
    ("30000", 30_000),
    ("30,000", 30_000),
    ("３００００", 30_000),
    ("１２０，０００", 120_000),
    ("120,000円", 120_000),
    ("¥120,000", 120_000),
    ("￥120,000", 120_000),
    (" 120 000 ", 120_000),
    ("120万円", 1_200_000),
    ("120万", 1_200_000),
    ("１２０万円", 1_200_000),
    ("12万3,000円", 123_000),
    ("12万3000", 123_000),
    ("3.5万円", 35_000),
    ("1億2000万円", 120_000_000),
    ("1千円", 1_000),
    ("5千", 5_000),
    ("1万5千円", 15_000),
    ("0", 0),
    ("0円", 0),
]

REFUSED = [
    ("abc", "invalid"),
    ("12.5", "invalid"),  # no fractions of a yen
    ("1.23456万円", "invalid"),  # not whole yen
    ("万円", "invalid"),
    ("12万万", "invalid"),
    ("3万2万", "invalid"),  # units out of order
    ("30,00,0x", "invalid"),
    ("-30000", "negative"),
    ("−30,000円", "negative"),
    ("ー3万円", "negative"),
]


@pytest.mark.parametrize(("text", "amount"), ACCEPTED)
def test_an_amount_written_as_people_write_it_is_read_in_yen(text, amount):
    assert wording.parse_yen(text) == amount


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_an_amount_that_is_not_whole_yen_is_refused_with_the_reason(text, reason):
    with pytest.raises(wording.AmountNotReadable) as refused:
        wording.parse_yen(text)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("text", "amount"), [("120万円", 1_200_000), ("１２０，０００", 120_000), ("", None)]
)
def test_the_forms_amount_field_reads_through_the_same_parser(text, amount):
    assert YenField(required=False).clean(text) == amount
