"""Household-count workbooks on the command line.

manage.py export_counts --ward 12345 --out ward.xlsx [--survey-date 2025-01-01]
    The ward's entry template: its active associations, the previous survey's counts for
    reference and columns to fill in; `import_counts` reads the filled-in file as it is.
manage.py export_counts --city --survey-date 2024-01-01 --out city.xlsx
    The published table: per ward 区域内世帯数, 加入世帯数, 加入率, 前回比 and the city's total.
    Without --survey-date, the latest survey.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.cities.texts import labelled, words
from wards.models import Ward

from ... import selectors
from ...stats import exporter


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return (
            _(
                "%(area)sの世帯数調査票（--ward）または市全体の加入状況表（--city）を Excel ファイルに書き出します。"
            )
            % words()
        )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--ward", metavar="CODE", help=labelled(gettext_lazy("この%(area)sの調査票（%(area)sコード5桁）"))
        )
        which.add_argument(
            "--city", action="store_true", help=gettext_lazy("市全体の加入状況表（公表用の様式）")
        )
        parser.add_argument(
            "--survey-date",
            help=gettext_lazy(
                "調査基準日 YYYY-MM-DD。調査票では集める調査の日付（前回の値はその前の調査）、"
                "加入状況表では集計する日付（省略時は最新）"
            ),
        )
        parser.add_argument("--out", required=True, help=gettext_lazy("書き出すファイル（.xlsx）"))

    def handle(self, *args, ward, city, survey_date, out, **options):
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("書き出すファイルの拡張子は .xlsx にしてください。"))
        day = self._date(survey_date) if survey_date else None
        if city:
            day = day or selectors.latest_survey_date()
            if day is None:
                raise CommandError(_("世帯数がまだ登録されていません。"))
            try:
                workbook = exporter.city_summary(survey_date=day)
            except exporter.NoCounts as e:
                raise CommandError(str(e)) from e
            what = _("%(date)s の加入状況表") % {"date": day.isoformat()}
        else:
            ward_obj = Ward.objects.filter(code=ward).first()
            if ward_obj is None:
                raise CommandError(
                    _("%(area)sコード「%(code)s」の%(area)sはありません。") % {**words(), "code": ward}
                )
            workbook = exporter.ward_template(ward=ward_obj, actor=None, survey_date=day)
            what = _("%(ward)sの世帯数調査票") % {"ward": ward_obj.name}
        try:
            workbook.save(path)
        except OSError as e:
            raise CommandError(
                _("「%(file)s」に書き出せません（%(error)s）。") % {"file": out, "error": e.strerror}
            ) from e
        self.stdout.write(
            self.style.SUCCESS(_("%(what)sを %(path)s に書き出しました。") % {"what": what, "path": path})
        )

    def _date(self, text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                _("調査基準日「%(text)s」は日付として読めません。YYYY-MM-DD の形で指定してください。")
                % {"text": text}
            ) from None
