"""Accounting workbooks for subsidies.

manage.py export_subsidies accounting [--fiscal-year 2026] --output subsidies.xlsx
manage.py export_subsidies payments --programme digital --fiscal-year 2026 --output payments.xlsx
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chonaikai.subsidies import exports, selectors, wording


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _(
            "補助金の会計用ファイル（制度別の交付決定額・支払額、または支払一覧）を .xlsx で出力します。"
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["accounting", "payments"])
        parser.add_argument("--fiscal-year", type=int, default=None, help=_("年度（西暦）"))
        parser.add_argument("--programme", default=None, help=_("制度コード（payments で必須）"))
        parser.add_argument("--output", required=True, help=_("出力するファイル（.xlsx）"))

    def handle(self, *args, kind, fiscal_year, programme, output, **options):
        if kind == "accounting":
            workbook = exports.accounting_workbook(actor=None, fiscal_year=fiscal_year)
        else:
            if not programme or fiscal_year is None:
                raise CommandError(_("payments には --programme と --fiscal-year を指定してください。"))
            found = selectors.programme_for(code=programme, fiscal_year=fiscal_year)
            if found is None:
                raise CommandError(
                    _("%(fiscal_year)sの制度「%(code)s」は登録されていません。")
                    % {"fiscal_year": wording.fiscal_year_text(fiscal_year), "code": programme}
                )
            try:
                workbook = exports.payment_list_workbook(actor=None, programme=found)
            except exports.NothingToPay as e:
                raise CommandError(str(e)) from e
        workbook.save(output)
        self.stdout.write(_("%(file)s を作成しました。") % {"file": output})
