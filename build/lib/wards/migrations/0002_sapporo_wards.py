"""Sapporo's 10 wards and their 2021-01-01 registry household totals (reference facts).

Sources (see ../shared/reference/sapporo_facts.md for the full citations):
- Codes: 国土数値情報 行政区域コード, https://nlftp.mlit.go.jp/ksj/gmlold/codelist/AdminAreaCd.html
  (01109 is 手稲区 and 01110 is 清田区).
- Areas: 札幌市清田区「きよたにまつわる数字」(2019-12-27),
  https://megalodon.jp/ref/2020-0808-2235-59/www.city.sapporo.jp/kiyota/outline/number
- Registry households on 2021-01-01: 北海道オープンデータ 統計書「全道各市の人口（各年1月1日）」,
  https://www.harp.lg.jp/opendata/dataset/2064/resource/7200/content.html?page=11
- Establishment dates: ward articles cited in sapporo_facts.md §1.1 (手稲区's exact day was not found,
  so it is left empty rather than guessed).
"""

import datetime as dt

from django.db import migrations

WARDS = [
    # code, name, kana, romaji, established, area km², registry households 2021-01-01
    ("01101", "中央区", "ちゅうおうく", "Chuo-ku", dt.date(1972, 4, 1), "46.42", 146024),
    ("01102", "北区", "きたく", "Kita-ku", dt.date(1972, 4, 1), "63.57", 153908),
    ("01103", "東区", "ひがしく", "Higashi-ku", dt.date(1972, 4, 1), "56.97", 144421),
    ("01104", "白石区", "しろいしく", "Shiroishi-ku", dt.date(1972, 4, 1), "34.47", 124710),
    ("01105", "豊平区", "とよひらく", "Toyohira-ku", dt.date(1972, 4, 1), "46.23", 129875),
    ("01106", "南区", "みなみく", "Minami-ku", dt.date(1972, 4, 1), "657.48", 72911),
    ("01107", "西区", "にしく", "Nishi-ku", dt.date(1972, 4, 1), "75.10", 117533),
    ("01108", "厚別区", "あつべつく", "Atsubetsu-ku", dt.date(1989, 11, 6), "24.38", 65879),
    ("01109", "手稲区", "ていねく", "Teine-ku", None, "56.77", 70272),
    ("01110", "清田区", "きよたく", "Kiyota-ku", dt.date(1997, 11, 4), "59.87", 53399),
]
REGISTRY_DATE = dt.date(2021, 1, 1)
REGISTRY_SOURCE = "北海道オープンデータ 統計書「全道各市の人口（各年1月1日）」住民基本台帳 2021年1月1日"


def load(apps, schema_editor):
    Ward = apps.get_model("wards", "Ward")
    WardTotal = apps.get_model("wards", "WardTotal")
    for code, name, kana, romaji, established, area, households in WARDS:
        ward, _ = Ward.objects.update_or_create(
            code=code,
            defaults={"name": name, "kana": kana, "romaji": romaji, "established_on": established, "area_km2": area},
        )
        WardTotal.objects.update_or_create(
            ward=ward,
            survey_date=REGISTRY_DATE,
            defaults={"registry_households": households, "source": REGISTRY_SOURCE},
        )


def unload(apps, schema_editor):
    apps.get_model("wards", "WardTotal").objects.filter(survey_date=REGISTRY_DATE).delete()


class Migration(migrations.Migration):
    dependencies = [("wards", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
