"""The three programmes for FY2026 (令和8年度) with their rules as data, and where each value comes from.

Everything here is data a city administrator edits in the admin (budgets, windows, rates, caps,
rounding units, unit amounts). Values not confirmed from a 要綱 carry `needs_confirmation`
(「要綱で要確認」): applications can be made, but not approved, until a city administrator has
checked and confirmed the rule (services.rule_confirm). Sources (see
../shared/reference/sapporo_facts.md §4–§6 and plan_facts.md):

1. 町内会デジタル活用促進補助金 (`digital`). 総務省「自治体DX推進」事例 (Sapporo),
   https://dx-navi.soumu.go.jp/index.php/case/pdfcase027 : 10/10 for 報償費・役務費・委託費等,
   2/3 for 物品・備品購入費・工事費, cap 100千円 per 町内会; 事業費 13,000千円 in 令和5年度 (FY2023,
   covering the subsidy and the 出前講座 together). FY2026 assumes the FY2023 rules and carries the
   FY2023 事業費 as the budget; the city changes both in the admin when its FY2026 figures differ.
   The rate applies to each kind's total, rounded down to the yen (rules.py); one application per
   association and fiscal year, so the cap is per association per year. Application window: not
   published (unset: the whole fiscal year).
2. 市民集会施設建築費補助金 (`meeting_hall`). 改築 1/3 up to ¥12,000,000: a city-council member's
   blog, 2011-10, https://matasete-g.blogspot.com/2011/10/blog-post_31.html (seeded for 増築・改築 as
   known). 新築, 購入, 修繕 and 借上げ: rates and caps not found; seeded with the same 1/3 and cap and
   marked 「要綱で要確認」. 解体 (demolition), city page updated 2025-04-04,
   https://city.sapporo.jp/shimin/shinko/siminsyuukaisisetu/kaitaihihojyo.html : 延床面積 (m²) ×
   ¥10,000 plus special works (基礎杭・埋設管・アスベスト等), rounded down to ¥10,000, consumption tax
   added separately (10/100 here). The special works enter at their cost (10/10); the base comes from
   the hall register's floor area. The 「相当の期間」 since a building grant and the interval between
   two grants for the same hall are not published: seeded as 10 fiscal years, stated in each rule's
   note as a value to confirm. Budget: not found (unset, so no approval until the city enters it).
3. 住民組織助成金 (`resident_org_grant`). ¥260 per member household for a 単位町内会, ¥120 for a
   連合町内会, from the FY2023 (令和5年度) budget (1st regular session 2023, closed 2023-03-10),
   https://detatyounaikaisapporo.jimdofree.com/町内会活動支援/ ; the name is confirmed by
   https://www.city.sapporo.jp/minami/shinko/seido/miryokuhasshin.html . FY2026 assumes the FY2023
   rates. Not applied for: computed from approved member households (services.resident_grant_compute).
"""

from django.db import migrations

FISCAL_YEAR = 2026
REPEAT_NOTE = "同じ会館への再交付までの年数（10年度）は公表資料で確認できていない仮の値です。要綱で確認してください。"
BUILDING_KINDS = [
    ("works", "工事費・購入費等（補助対象経費）", 1, 3),
    ("ineligible", "補助対象外の経費", None, None),
]

PROGRAMMES = [
    {
        "code": "digital",
        "name": "町内会デジタル活用促進補助金",
        "kind": "application",
        "budget": 13_000_000,
        "one_application_per_year": True,
        "source": "総務省「自治体DX推進」事例（札幌市） https://dx-navi.soumu.go.jp/index.php/case/pdfcase027",
        "note": "予算額は令和5年度の事業費（13,000千円、出前講座を含む）を仮に用いています。受付期間は未公表です。",
        "rules": [
            {
                "category": "",
                "name": "町内会デジタル活用促進補助金",
                "method": "rate",
                "cap": 100_000,
                "rounding_unit": 1,
                "source": "https://dx-navi.soumu.go.jp/index.php/case/pdfcase027 （令和5年度）",
                "note": "補助率は経費の種類ごとの合計に掛け、1円未満を切り捨てます。上限は1町内会・1年度あたり。",
                "kinds": [
                    ("service", "報償費・役務費・委託費", 10, 10),
                    ("goods", "物品・備品購入費・工事費", 2, 3),
                ],
            }
        ],
    },
    {
        "code": "meeting_hall",
        "name": "市民集会施設建築費補助金",
        "kind": "application",
        "budget": None,
        "one_application_per_year": False,
        "source": "https://city.sapporo.jp/shimin/shinko/siminsyuukaisisetu/kaitaihihojyo.html （解体、2025-04-04更新）",
        "note": "予算額・受付期間は未公表です。予算額を登録するまで交付決定はできません。",
        "rules": [
            {
                "category": category,
                "name": name,
                "method": "rate",
                "cap": 12_000_000,
                "requires_hall": True,
                "repeat_grant_interval_years": 10,
                "needs_confirmation": confirm,
                "source": source,
                "note": REPEAT_NOTE,
                "kinds": BUILDING_KINDS,
            }
            for category, name, confirm, source in [
                ("new_build", "新築", True, "補助率・上限額は未確認（改築の値を仮に適用）"),
                ("purchase", "購入", True, "補助率・上限額は未確認（改築の値を仮に適用）"),
                (
                    "extension_rebuild",
                    "増築・改築",
                    False,
                    "改築: 3分の1、1,200万円を限度（市議会議員のブログ、2011-10） "
                    "https://matasete-g.blogspot.com/2011/10/blog-post_31.html",
                ),
                ("repair", "修繕", True, "補助率・上限額は未確認（改築の値を仮に適用）"),
                ("lease", "借上げ", True, "制度の有無・補助率・上限額は未確認（改築の値を仮に適用）"),
            ]
        ]
        + [
            {
                "category": "demolition",
                "name": "解体",
                "method": "floor_area",
                "cap": None,
                "rounding_unit": 10_000,
                "per_m2_amount": 10_000,
                "tax_numerator": 10,
                "tax_denominator": 100,
                "requires_hall": True,
                "repeat_grant_interval_years": 10,
                "source": "https://city.sapporo.jp/shimin/shinko/siminsyuukaisisetu/kaitaihihojyo.html",
                "note": "基本額 = 延床面積 × 10,000円、特殊工事（基礎杭・埋設管・アスベスト等）を加算、1万円未満切り捨て、"
                "消費税は別に加算。建築費補助からの「相当の期間」（10年度）は仮の値です。要綱で確認してください。",
                "kinds": [
                    ("demolition_works", "解体工事費", None, None),
                    ("special_works", "特殊工事費（基礎杭・埋設管・アスベスト等）", 10, 10),
                ],
            }
        ],
    },
    {
        "code": "resident_org_grant",
        "name": "住民組織助成金",
        "kind": "computed",
        "budget": None,
        "one_application_per_year": False,
        "source": "https://detatyounaikaisapporo.jimdofree.com/町内会活動支援/ （令和5年度予算）",
        "note": "令和5年度の単価を令和8年度も用いています。申請は不要で、承認済みの加入世帯数から算定します。",
        "rules": [
            {
                "category": "unit",
                "name": "単位町内会",
                "method": "per_household",
                "per_household_amount": 260,
                "source": "令和5年度から1世帯260円（それまで130円）",
                "kinds": [],
            },
            {
                "category": "federation",
                "name": "連合町内会",
                "method": "per_household",
                "per_household_amount": 120,
                "source": "令和5年度から1世帯120円（それまで100円）",
                "kinds": [],
            },
        ],
    },
]


def load(apps, schema_editor):
    Programme = apps.get_model("subsidies", "Programme")
    ProgrammeRule = apps.get_model("subsidies", "ProgrammeRule")
    ExpenseKindRule = apps.get_model("subsidies", "ExpenseKindRule")
    for spec in PROGRAMMES:
        spec = dict(spec)
        rules = spec.pop("rules")
        programme, _created = Programme.objects.update_or_create(
            code=spec.pop("code"), fiscal_year=FISCAL_YEAR, defaults=spec
        )
        for position, rule_spec in enumerate(rules):
            rule_spec = dict(rule_spec)
            kinds = rule_spec.pop("kinds")
            rule, _created = ProgrammeRule.objects.update_or_create(
                programme=programme,
                category=rule_spec.pop("category"),
                defaults={**rule_spec, "position": position},
            )
            for kind_position, (code, name, numerator, denominator) in enumerate(kinds):
                ExpenseKindRule.objects.update_or_create(
                    rule=rule,
                    code=code,
                    defaults={
                        "name": name,
                        "rate_numerator": numerator,
                        "rate_denominator": denominator,
                        "position": kind_position,
                    },
                )


def unload(apps, schema_editor):
    Programme = apps.get_model("subsidies", "Programme")
    for programme in Programme.objects.filter(fiscal_year=FISCAL_YEAR, code__in=[p["code"] for p in PROGRAMMES]):
        programme.rules.all().delete()
        programme.delete()


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_add_subsidies")]

    operations = [migrations.RunPython(load, unload)]
