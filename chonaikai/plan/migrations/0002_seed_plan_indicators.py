"""The nine outcome indicators of the 4th plan, with their FY2022 actuals and FY2028 targets.

Source: 「第4期札幌市市民まちづくり活動促進基本計画（案）」札幌市, 2024, 成果指標 (copied in
../shared/reference/plan_facts.md). The figures are the plan's. The Japanese names below render
that summary's descriptions; check them against the plan's own wording before publishing.

町内会加入世帯数 (FY2022 685,497 → FY2028 723,778) is linked to associations.Target, loaded by
associations/migrations/0002_plan_targets, and is not copied here.
"""

from decimal import Decimal

from django.db import migrations

SOURCE = "第4期札幌市市民まちづくり活動促進基本計画（案）（札幌市, 2024）成果指標"

# code, basic goal, name, unit, decimals, FY2022 actual, FY2028 target (None: linked to Target)
INDICATORS = [
    ("member_households", 2, "町内会加入世帯数", "世帯", 0, None, None),
    ("wish_to_stay", 2, "今住んでいる地域に住み続けたいと思う市民の割合", "%", 1, "76.2", "80"),
    ("took_part", 1, "地域のまちづくり活動に参加したことがある市民の割合", "%", 1, "86.3", "90"),
    ("support_centre_groups", 3, "市民活動サポートセンターの登録団体数", "団体", 0, "1143", "1400"),
    ("fund_donations", 4, "さぽーとほっと基金への年間寄付件数", "件", 0, "1561", "2000"),
    ("fund_total", 4, "さぽーとほっと基金への寄付の累計額", "円", 0, "1300000000", "1720000000"),
    ("collaborating_groups", 5, "他の団体と連携している団体の割合", "%", 1, "54.8", "70"),
    ("agreement_companies", 5, "市と協定を締結している企業数（累計）", "社", 0, "1268", "1400"),
    ("smile_companies", 5, "さっぽろまちづくりスマイル企業の認定企業数", "社", 0, "63", "90"),
]
BASELINE_FISCAL_YEAR, TARGET_FISCAL_YEAR = 2022, 2028


def load(apps, schema_editor):
    Indicator = apps.get_model("plan", "Indicator")
    for order, (code, goal, name, unit, decimals, baseline, target) in enumerate(INDICATORS, start=1):
        linked = baseline is None
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "basic_goal": goal,
                "name": name,
                "unit": unit,
                "decimals": decimals,
                "baseline_fiscal_year": None if linked else BASELINE_FISCAL_YEAR,
                "baseline_value": None if linked else Decimal(baseline),
                "target_fiscal_year": None if linked else TARGET_FISCAL_YEAR,
                "target_value": None if linked else Decimal(target),
                "linked_target_metric": "member_households" if linked else "",
                "source": SOURCE,
                "order": order,
            },
        )


def unload(apps, schema_editor):
    Indicator = apps.get_model("plan", "Indicator")
    IndicatorValue = apps.get_model("plan", "IndicatorValue")
    codes = [row[0] for row in INDICATORS]
    IndicatorValue.objects.filter(indicator__code__in=codes).delete()
    Indicator.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("plan", "0001_add_indicators"), ("associations", "0002_plan_targets")]
    operations = [migrations.RunPython(load, unload)]
