"""{% change_cells %}: the 前回 / 今回 / 増減 / 前回比 cells every counts table shows (the import
preview, the submission and the approval view), written once."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template


def cells(*args) -> list[str]:
    html = Template(
        "{% load counts_flags %}{% change_cells a b c d " + ("e" if len(args) > 4 else "") + " %}"
    ).render(Context(dict(zip("abcde", args, strict=False))))
    assert html.count('<td class="num">') == 4
    return [cell.split("</td>")[0] for cell in html.split('<td class="num">')[1:]]


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ((1000, 1250, 250, Decimal("25.0")), ["1,000", "1,250", "+250", "+25.0%"]),
        ((100, 80, -20, Decimal("-20.0")), ["100", "80", "-20", "-20.0%"]),
        ((None, 80, None, None, "未入力"), ["未入力", "80", "—", "—"]),
        ((None, None, "", ""), ["—", "—", "—", "—"]),  # a preview's error row: no check, never None
    ],
)
def test_change_cells_show_the_four_figures(args, shown):
    assert cells(*args) == shown


@pytest.mark.parametrize("template", ["counts/_submission_detail.html", "imports/_preview_rows.html"])
def test_the_counts_tables_take_their_change_cells_from_the_one_tag(template):
    path = next(Path(d) / template for d in settings.TEMPLATES[0]["DIRS"] if (Path(d) / template).exists())
    source = path.read_text()
    assert "{% change_cells" in source and "signed_percent" not in source
