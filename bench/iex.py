"""The baseline import: django-import-export as it is typically set up for our counts.

A ModelResource with a ForeignKeyWidget resolving 町内会コード to the association, the row's
identity (association, survey date) and per-row savepoints (its default with transactions on). Bench
only: django-import-export is not a dependency of the project (bench/requirements.txt).
"""

from __future__ import annotations


def count_resource():
    from import_export import fields, resources, widgets

    from chonaikai.associations.models import Association, HouseholdCount

    class CountResource(resources.ModelResource):
        association = fields.Field(
            column_name="町内会コード",
            attribute="association",
            widget=widgets.ForeignKeyWidget(Association, field="code"),
        )
        survey_date = fields.Field(
            column_name="調査基準日", attribute="survey_date", widget=widgets.DateWidget()
        )
        households = fields.Field(
            column_name="区域内世帯数", attribute="households", widget=widgets.IntegerWidget()
        )
        member_households = fields.Field(
            column_name="加入世帯数", attribute="member_households", widget=widgets.IntegerWidget()
        )

        class Meta:
            model = HouseholdCount
            fields = ("association", "survey_date", "households", "member_households")
            import_id_fields = ("association", "survey_date")
            use_transactions = True
            skip_unchanged = True

    return CountResource()


def import_file(data: bytes) -> int:
    """Import an .xlsx (header in row 1) with django-import-export; returns rows imported."""
    import tablib

    dataset = tablib.Dataset().load(data, format="xlsx")
    result = count_resource().import_data(dataset, dry_run=False, raise_errors=True)
    return result.totals["new"] + result.totals["update"]
