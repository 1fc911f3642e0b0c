"""Compute the computed programmes (kind = computed, e.g. a 住民組織助成金) of a fiscal year for every
association and federation from approved counts.

    manage.py compute_resident_grants --fiscal-year 2026 [--survey-date 2027-01-01] [--programme CODE]

Without --programme, every computed programme of the fiscal year is computed (the programmes' kind
says which; no programme code is assumed).

Runs services.resident_grant_compute as the operator (a system action). Recomputing after a count
was corrected adds rows only for recipients whose amount changed, each with its difference.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chonaikai.cities.current import labels
from chonaikai.subsidies import selectors, services, wording
from chonaikai.subsidies.errors import SubsidyError
from chonaikai.subsidies.models import Programme


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _(
            "加入世帯数から算定する助成金を、承認済みの加入世帯数から町内会・連合町内会ごとに算定します。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help=_("年度（西暦、例: 2026）"))
        parser.add_argument(
            "--survey-date",
            type=dt.date.fromisoformat,
            default=None,
            help=_("調査基準日（既定: 最新の調査）"),
        )
        parser.add_argument(
            "--programme",
            default=None,
            help=_("制度コード（既定: その年度の加入世帯数から算定する制度すべて）"),
        )

    def handle(self, *args, fiscal_year, survey_date, programme, **options):
        if programme:
            found = selectors.programme_for(code=programme, fiscal_year=fiscal_year)
            if found is None:
                raise CommandError(
                    _("%(fiscal_year)sの制度「%(code)s」は登録されていません。")
                    % {"fiscal_year": wording.fiscal_year_text(fiscal_year), "code": programme}
                )
            targets = [found]
        else:
            targets = list(
                selectors.programmes(fiscal_year=fiscal_year)
                .filter(kind=Programme.Kind.COMPUTED)
                .order_by("code")
            )
            if not targets:
                raise CommandError(
                    _("%(fiscal_year)sには加入世帯数から算定する制度が登録されていません。")
                    % {"fiscal_year": wording.fiscal_year_text(fiscal_year)}
                )
        for found in targets:
            self._compute(found, survey_date)

    def _compute(self, found, survey_date):
        try:
            run = services.resident_grant_compute(actor=None, programme_id=found.pk, survey_date=survey_date)
        except SubsidyError as e:
            raise CommandError(str(e)) from e
        write = self.stdout.write
        write(
            _("%(programme)s: 調査基準日 %(date)s の承認済み加入世帯数で算定しました。")
            % {"programme": found, "date": f"{run.survey_date:%Y-%m-%d}"}
        )
        write(
            _("  新規 %(created)s / 再算定 %(changed)s / 変更なし %(unchanged)s")
            % {
                "created": f"{run.created:,}",
                "changed": f"{run.changed:,}",
                "unchanged": f"{run.unchanged:,}",
            }
        )
        write(
            _("  助成額の合計 %(total)s円（今回の差額の合計 %(difference)s円）")
            % {"total": f"{run.total_amount:,}", "difference": f"{run.difference_total:+,}"}
        )
        if run.pending_wards:
            self.stderr.write(
                _("注意: 世帯数が未承認の%(area)sは含まれていません（%(wards)s）。")
                % {"area": labels().area, "wards": _("、").join(run.pending_wards)}
            )
