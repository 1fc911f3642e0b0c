"""Membership figures on the command line, for staff who script.

manage.py membership_stats --survey-date 2023-01-01 --level ward --format json
"""

import csv
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.associations import selectors
from chonaikai.associations.stats import membership_export
from chonaikai.cities.texts import fill, labelled, words
from wards.models import Ward

# The API's membership CSV has these columns too, with the same content (one list: membership_export).
COLUMNS = membership_export.COMMAND_COLUMNS


def _plain(value):
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | str):
        return value
    return float(value)  # Decimal rates: two decimals already


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return fill(
            _(
                "調査基準日の加入率・加入世帯数を、市・%(area)s・地区・%(federation)s・町内会の単位で出力します。"
            )
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--survey-date", required=True, help=gettext_lazy("調査基準日 YYYY-MM-DD（例: 2023-01-01）")
        )
        parser.add_argument("--level", choices=selectors.Level.ALL, default=selectors.Level.CITY)
        parser.add_argument("--ward", help=labelled(gettext_lazy("%(area)sコード（5桁）で絞り込む")))
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, survey_date, level, ward, format, **options):
        try:
            day = dt.date.fromisoformat(survey_date)
        except ValueError:
            raise CommandError(
                _("調査基準日「%(text)s」は日付として読めません。YYYY-MM-DD の形で指定してください。")
                % {"text": survey_date}
            ) from None
        ward_obj = None
        if ward:
            ward_obj = Ward.objects.filter(code=ward).first()
            if ward_obj is None:
                raise CommandError(
                    _("%(area)sコード「%(code)s」の%(area)sはありません。") % {**words(), "code": ward}
                )
            if level == selectors.Level.CITY:
                raise CommandError(
                    _(
                        "--ward は --level ward / district / federation / association と一緒に指定してください。"
                    )
                )
        rows = selectors.membership_stats(survey_date=day, level=level, ward=ward_obj)
        if not rows:
            raise CommandError(_("%(date)s の世帯数は登録されていません。") % {"date": day.isoformat()})
        records = [{key: _plain(getattr(row, key)) for key in COLUMNS} for row in rows]
        if format == "json":
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))
        elif format == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        else:
            self._table(records, survey_date=day)

    def _table(self, records, *, survey_date):
        # What the figures are and what 前回比 compares with: a table pasted elsewhere keeps its dates.
        self.stdout.write(_("調査基準日: %(date)s") % {"date": survey_date.isoformat()})
        previous = next((r["previous_survey_date"] for r in records if r["previous_survey_date"]), None)
        if previous is None:
            self.stdout.write(_("前回比: 前回の調査なし"))
        else:
            self.stdout.write(_("前回比の比較対象: %(date)s") % {"date": previous})
        headers = [
            _("コード"),
            _("名称"),
            _("区域内世帯数"),
            _("加入世帯数"),
            _("加入率(%)"),
            _("前回比(ポイント)"),
        ]
        lines = [
            [
                r["code"],
                r["name"],
                f"{r['households']:,}",
                f"{r['member_households']:,}",
                "—" if r["rate"] is None else f"{r['rate']:.2f}",
                "—" if r["change"] is None else f"{r['change']:+.2f}",
            ]
            for r in records
        ]
        self.stdout.write("\t".join(headers))
        for line in lines:
            self.stdout.write("\t".join(line))
        for r in records:
            if r["registry_rate"] is not None:
                self.stdout.write(
                    _("（参考）%(name)s 住民基本台帳世帯数 %(households)s による加入率 %(rate)s%%")
                    % {
                        "name": r["name"],
                        "households": f"{r['registry_households']:,}",
                        "rate": f"{r['registry_rate']:.2f}",
                    }
                )
