"""The plan's member-household figures: FY2022 actual 685,497 and FY2028 target 723,778.

Source: 「第4期札幌市市民まちづくり活動促進基本計画（案）」札幌市, 2024, outcome indicator
「町内会加入世帯数」 (see ../shared/reference/plan_facts.md). FY2022's figure is the survey of 1 January 2023.
"""

from django.db import migrations

SOURCE = "第4期札幌市市民まちづくり活動促進基本計画（案）（札幌市, 2024）成果指標「町内会加入世帯数」"
FIGURES = [
    ("member_households", "baseline", 2022, 685497),
    ("member_households", "target", 2028, 723778),
]


def load(apps, schema_editor):
    Target = apps.get_model("associations", "Target")
    for metric, kind, fiscal_year, value in FIGURES:
        Target.objects.update_or_create(
            metric=metric, kind=kind, fiscal_year=fiscal_year, defaults={"value": value, "source": SOURCE}
        )


def unload(apps, schema_editor):
    Target = apps.get_model("associations", "Target")
    for metric, kind, fiscal_year, _value in FIGURES:
        Target.objects.filter(metric=metric, kind=kind, fiscal_year=fiscal_year).delete()


class Migration(migrations.Migration):
    dependencies = [("associations", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
