"""The grid for keyboard users and the first screen (issue 13, QA of point 7): a skip link to the
save button at the top of the grid, the Ctrl+Enter shortcut announced, the help folded, and an
empty-state line for a filter that matches no row. The browser side is in
tests/e2e/test_grid_full_ward.py."""

import re

import pytest
from django.urls import reverse

from .helpers import SURVEY

pytestmark = pytest.mark.django_db

GRID = reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY})


@pytest.fixture
def grid(client, ward_staff_chuo, counted_a, counted_b, survey_round) -> str:
    client.force_login(ward_staff_chuo)
    return client.get(GRID).content.decode()


def test_a_skip_link_at_the_top_of_the_grid_targets_the_save_button(grid):
    form = grid[grid.index('<form method="post" class="count-grid-form"') :]
    first_link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', form)
    assert first_link.group(2) == "保存ボタンへ移動"
    target = first_link.group(1).removeprefix("#")
    button = re.search(rf'<button type="submit"[^>]*id="{target}"[^>]*>([^<]+)</button>', form)
    assert button and button.group(1) == "まとめて保存する"
    assert form.index(first_link.group(0)) < form.index('<table class="data-table count-grid">')


def test_the_save_shortcut_is_announced_and_the_help_is_folded(grid):
    assert "Ctrl + Enter（Mac は Command + Enter）でまとめて保存します" in grid
    assert 'aria-keyshortcuts="Control+Enter Meta+Enter"' in grid
    help_box = grid[grid.index('<details class="count-grid-help"') : grid.index("</details>")]
    assert "全角やカンマ区切り" in help_box and "<summary>入力のしかた</summary>" in help_box


def test_a_filter_that_matches_nothing_has_an_empty_state_line(grid):
    assert re.search(r'<tr [^>]*id="grid-no-match" hidden><td colspan="7">条件に合う町内会はありません', grid)
