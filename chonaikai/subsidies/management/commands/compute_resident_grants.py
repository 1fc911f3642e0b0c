"""Compute the 住民組織助成金 for every association and federation from approved counts.

    manage.py compute_resident_grants --fiscal-year 2026 [--survey-date 2027-01-01]

Runs services.resident_grant_compute as the operator (a system action). Recomputing after a count
was corrected adds rows only for recipients whose amount changed, each with its difference.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from chonaikai.associations.rules import fiscal_year_label
from chonaikai.subsidies import selectors, services
from chonaikai.subsidies.errors import SubsidyError
from chonaikai.subsidies.models import RESIDENT_ORG_GRANT


class Command(BaseCommand):
    help = "住民組織助成金を、承認済みの加入世帯数から町内会・連合町内会ごとに算定します。"

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help="年度（西暦、例: 2026）")
        parser.add_argument(
            "--survey-date", type=dt.date.fromisoformat, default=None, help="調査基準日（既定: 最新の調査）"
        )
        parser.add_argument("--programme", default=RESIDENT_ORG_GRANT, help="制度コード")

    def handle(self, *args, fiscal_year, survey_date, programme, **options):
        found = selectors.programme_for(code=programme, fiscal_year=fiscal_year)
        if found is None:
            raise CommandError(f"{fiscal_year_label(fiscal_year)}の制度「{programme}」は登録されていません。")
        try:
            run = services.resident_grant_compute(actor=None, programme_id=found.pk, survey_date=survey_date)
        except SubsidyError as e:
            raise CommandError(str(e)) from e
        write = self.stdout.write
        write(f"{found}: 調査基準日 {run.survey_date:%Y-%m-%d} の承認済み加入世帯数で算定しました。")
        write(f"  新規 {run.created:,} / 再算定 {run.changed:,} / 変更なし {run.unchanged:,}")
        write(f"  助成額の合計 {run.total_amount:,}円（今回の差額の合計 {run.difference_total:+,}円）")
        if run.pending_wards:
            self.stderr.write(
                f"注意: 世帯数が未承認の区は含まれていません（{'、'.join(run.pending_wards)}）。"
            )
