"""manage.py rebuild_summaries [--check]

Recompute every summary (models.WardSummary, DistrictSummary, FederationSummary) from the household
counts, in one transaction.
Services keep the summaries in step as they write; run this after counts were written some other
way (a restored backup, raw SQL, a shell) — or with --check, to list the rows, at every level,
that disagree without writing anything (exit status 1 if any).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.cities.texts import words

from ...stats.services import summaries_mismatches, summaries_rebuild


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return (
            _(
                "%(area)s・地区・%(federation)sごと、調査基準日ごとの集計"
                "（WardSummary, DistrictSummary, FederationSummary）を世帯数の記録から作り直します。"
            )
            % words()
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help=gettext_lazy("作り直さず、世帯数の記録と一致しない集計を表示する"),
        )

    def handle(self, *args, check, **options):
        if check:
            mismatches = summaries_mismatches()
            for model, key, held, expected in mismatches:
                ward_id, *area, day = key
                where = _("%(area)s id=%(ward)s") % {**words(), "ward": ward_id}
                if area:
                    where += " " + _("%(level)s id=%(area)s") % {
                        "level": model._meta.get_field(model.AREA).verbose_name,
                        "area": area[0] if area[0] is not None else "-",
                    }
                self.stdout.write(
                    _("%(where)s %(date)s: 集計 %(held)s / 世帯数の記録から %(expected)s")
                    % {"where": where, "date": f"{day:%Y-%m-%d}", "held": held, "expected": expected}
                )
            if mismatches:
                raise CommandError(
                    _("%(n)d件の集計が世帯数の記録と一致しません（rebuild_summaries で直せます）。")
                    % {"n": len(mismatches)}
                )
            self.stdout.write(_("集計はすべて世帯数の記録と一致しています。"))
            return
        started = time.perf_counter()
        rows = summaries_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                _("集計を作り直しました: %(rows)s行（%(seconds)s 秒）。")
                % {"rows": f"{rows:,}", "seconds": f"{time.perf_counter() - started:.2f}"}
            )
        )
