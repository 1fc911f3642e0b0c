"""Maps mark sample figures: an area whose figures sum a sample association's count is flagged in
the map's table, its tooltips and both exports (the PNG's caption), ward series included."""

import io

import pytest

from maps import builders, selectors
from tests.maps.conftest import D24

pytestmark = pytest.mark.django_db

CHUO = "01101"


@pytest.fixture
def sample_chuo(counts):
    association = counts[CHUO].association
    association.is_sample = True
    association.save(update_fields=["is_sample"])
    return association


def test_map_figures_flag_the_ward_that_sums_sample_counts(sample_chuo):
    figures = {f.code: f for f in selectors.map_data(survey_date=D24, level="ward").figures}
    assert figures[CHUO].sample is True
    assert not any(f.sample for code, f in figures.items() if code != CHUO)


def test_the_series_flags_the_ward_on_every_date(sample_chuo):
    series = selectors.ward_series_figures()
    assert all({f.code for f in figures if f.sample} == {CHUO} for figures in series.values())


def test_the_map_table_marks_the_sample_ward(boundaries, sample_chuo, client):
    html = client.get("/maps/").content.decode()
    row = html.split(f'data-ward="{CHUO}"')[1].split("</tr>")[0]
    assert "サンプル" in row
    other = html.split('data-ward="01102"')[1].split("</tr>")[0]
    assert "サンプル" not in other


def test_the_html_export_says_which_figures_are_synthetic(boundaries, sample_chuo, client):
    html = client.get("/maps/export.html").content.decode()
    assert "サンプルデータ（架空の数値）" in html


def test_without_sample_data_the_export_says_nothing_of_samples(boundaries, counts, client):
    assert "サンプルデータ（架空の数値）" not in client.get("/maps/export.html").content.decode()


def test_the_png_caption_says_the_map_includes_synthetic_figures(sample_chuo):
    data = selectors.map_data(survey_date=D24, level="ward")
    assert "サンプルデータ" in builders.caption(data.figures, "出典")
    assert builders.caption(data.figures, "Source", ascii_only=True).isascii()
    plain = [f for f in data.figures if not f.sample]
    assert builders.caption(plain, "出典") == "出典"


def test_the_png_export_draws_with_the_sample_caption(boundaries, sample_chuo, client):
    response = client.get("/maps/export.png")
    assert response.status_code == 200
    assert io.BytesIO(response.content).read(8) == b"\x89PNG\r\n\x1a\n"
