"""Open data: ward and city membership for every survey date, as the city publishes it (CC BY 4.0).

Anonymous and aggregated only: no association, no person, no area with fewer households than
the city's threshold (publication.min_households()). The figures are chonaikai.associations.stats.publication's
published series (one rule with the API, pages and maps, including the city total when it would
give a withheld ward away). The licence and the credit line travel with the data: JSON fields, and
for the CSV `Link` (rel="license", rel="describedby") and `X-License` / `X-Attribution` headers,
so that the CSV itself stays a plain table that any tool reads.

Sample data: every row that sums a sample association's count has `sample` true (CSV: サンプル 1).
While the database holds any sample data (seed_demo), the dataset is not the city's: no publisher,
no licence, a title and attribution that say the figures are synthetic, and `synthetic` true (CSV:
`X-Synthetic-Data: true`, no `X-License` and no license link).

Spreadsheets: the CSV keeps the 5-digit code in コード and repeats it as コード（文字列） with a
leading "C" (C01234). pandas and LibreOffice read a column of digits as numbers and drop the
leading zero whatever the quoting; a letter keeps the column text in every tool without options,
and removing the "C" gives the code back. The denominator is a column (加入率の分母), not a comment
line, so that the file stays one plain table.
"""

from __future__ import annotations

from django.utils import translation

from chonaikai.associations import survey
from chonaikai.associations.selectors import Level
from chonaikai.associations.stats import publication
from chonaikai.cities.current import city

# The dataset itself (title, licence, credit line, notes, CSV headings, level names) is the city's
# Japanese publication: the same bytes for every caller whatever language they chose, so that it can
# be cached publicly and compared between downloads. Only the API documentation is translated.
LICENSE_ID = "CC-BY-4.0"
LICENSE_NAME = "クリエイティブ・コモンズ 表示 4.0 国際 ライセンス（CC BY 4.0）"  # i18n: data
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
DATASET_TITLE = "町内会・自治会 加入状況（%(area)s別・全市）"  # i18n: data (the city's area_label fills it)
SAMPLE_PREFIX = "【サンプルデータ・架空の数値】"  # i18n: data
SAMPLE_ATTRIBUTION = (
    "サンプルデータ（manage.py seed_demo が作った架空の数値）。実在の町内会・自治会の加入状況ではなく、"  # i18n: data
    "どの自治体の公表値でもありません。"  # i18n: data
)
SAMPLE_NOTE = (
    "この環境にはサンプルデータがあります。sample（CSV の「サンプル」）が true / 1 の行は、サンプルの"  # i18n: data
    "町内会の世帯数を合計した架空の数値です。出典やライセンスを付けて公表しないでください。"  # i18n: data
)
DENOMINATOR = "区域内世帯数"  # i18n: data
# Public data for any web page to fetch: no credentials are involved.
OPEN_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}

CSV_HEADINGS = [  # i18n: data
    "調査基準日",
    "年度",
    "区分",
    "コード",
    "名称",
    "町内会数",
    "区域内世帯数",
    "加入世帯数",
    "加入率（%）",
    "非公表",
    "サンプル",
    "コード（文字列）",
    "加入率の分母",
]
CITY_LEVEL_LABEL = "全市"  # i18n: data


def level_label(level) -> str:
    """全市, or the city's own word for its areas (区, 市 …) as the profile writes it (data, in Japanese)."""
    return CITY_LEVEL_LABEL if level == Level.CITY else city().area_label


def title(*, synthetic: bool) -> str:
    text = DATASET_TITLE % {"area": city().area_label}
    return f"{SAMPLE_PREFIX}{text}" if synthetic else text


def attribution() -> str:
    return f"出典：{city().name}「町内会・自治会 加入状況」（{LICENSE_ID}）"  # i18n: data


def records() -> list:
    """Every survey date, oldest first; per date the city (its code sorts first), then the wards."""
    return publication.published_series(min_households=publication.min_households())


def notes(minimum: int, *, synthetic: bool) -> str:
    month, day = survey.survey_month_day()
    text = (
        "加入率（%）= 加入世帯数 ÷ 区域内世帯数（町内会・自治会の区域内の世帯数）×100、小数第3位を四捨五入。"  # i18n: data
        f"年度は4月1日から翌年3月31日まで（{month}月{day}日の調査はその日を含む年度）。区域内世帯数が"  # i18n: data
        f"{minimum}世帯未満の区域は数値を公表しません（suppressed。ページや地図では「{withheld()}」）。"  # i18n: data
    )
    return f"{SAMPLE_NOTE}{text}" if synthetic else text


def withheld() -> str:
    """The one wording of a withheld figure, in Japanese whatever the caller's language (data)."""
    with translation.override("ja"):
        return str(publication.WITHHELD)
