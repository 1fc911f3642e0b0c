"""manage.py import_counts FILE --survey-date YYYY-MM-DD [--ward CODE] [--dry-run] [--user USERNAME]

Imports one ward's (or the whole city's) household counts from an .xlsx or .csv file: all rows or
none. Errors and warnings are printed with the sheet, row and column to fix; any error exits
non-zero and writes nothing. --dry-run checks and prints the summary without writing.

Without --user the import is a system import: it may import every ward's counts (as a city
administrator may), and counts and history rows record no user. With --user the user's scope
applies (a ward's staff can import only their ward).

The command always imports in its own process; COUNTS_IMPORT_ASYNC_THRESHOLD (hand large files
to the Celery task) applies to uploads through the web.
"""

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from chonaikai.associations import importer, services
from wards.models import Ward

STATUS_LABELS = {
    importer.RowStatus.NEW: "新規",
    importer.RowStatus.CHANGED: "変更",
    importer.RowStatus.UNCHANGED: "変更なし",
    importer.RowStatus.ERROR: "エラー",
}


def _change(value: int | None) -> str:
    return "" if not value else f"（{value:+,}）"


class Command(BaseCommand):
    help = "町内会別の世帯数を Excel（.xlsx）または CSV ファイルから取り込みます。エラーが1件でもあれば何も書き込みません。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="取り込むファイル（.xlsx / .csv）")
        parser.add_argument("--survey-date", required=True, help="調査基準日 YYYY-MM-DD（例: 2024-01-01）")
        parser.add_argument("--ward", metavar="CODE", help="この区の町内会だけを受け付ける（区コード5桁）")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして書き込まない")
        parser.add_argument(
            "--user", metavar="USERNAME", help="取込を行う利用者（省略時はシステム取込: 全区を取り込めます）"
        )

    def handle(self, *args, file, survey_date, ward, dry_run, user, **options):
        day = self._date(survey_date)
        ward_obj = self._ward(ward)
        actor = self._user(user)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CommandError(f"ファイル「{file}」を読めません（{e.strerror}）。") from e

        preview = importer.preview_file(data, filename=path.name, survey_date=day, actor=actor, ward=ward_obj)
        self._issues(preview)
        if options["verbosity"] >= 2:
            self._rows(preview)
        self._summary(preview)
        if preview.has_errors:
            raise CommandError(f"エラーが{len(preview.errors)}件あるため、取り込みませんでした。")
        if dry_run:
            self.stdout.write("確認のみ（--dry-run）: 何も書き込んでいません。")
            return
        try:
            result = services.counts_import_commit(actor=actor, survey_date=day, preview=preview)
        except services.CountsImportRejected as e:
            self._issues(e.preview, warnings=False)
            raise CommandError(f"エラーが{len(e.preview.errors)}件あるため、取り込みませんでした。") from e
        self.stdout.write(
            self.style.SUCCESS(
                f"{day.isoformat()} の世帯数を取り込みました: 新規 {result.created}件、"
                f"更新 {result.updated}件、変更なし {result.unchanged}件。"
            )
        )

    def _date(self, text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                f"調査基準日「{text}」は日付として読めません。YYYY-MM-DD の形で指定してください。"
            ) from None

    def _ward(self, code: str | None) -> Ward | None:
        if not code:
            return None
        ward = Ward.objects.filter(code=code).first()
        if ward is None:
            raise CommandError(f"区コード「{code}」の区はありません。")
        return ward

    def _user(self, username: str | None):
        if not username:
            return None
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None or not user.is_active:
            raise CommandError(f"利用者「{username}」はいないか、無効になっています。")
        return user

    def _issues(self, preview: importer.Preview, *, warnings: bool = True) -> None:
        for issue in preview.errors:
            self.stderr.write(f"エラー: {issue}")
        if warnings:
            for issue in preview.warnings:
                self.stdout.write(f"警告: {issue}")

    def _rows(self, preview: importer.Preview) -> None:
        for row in preview.rows:
            before = (
                "—"
                if row.current_households is None
                else f"{row.current_households:,} / {row.current_member_households:,}"
            )
            after = "—" if row.households is None else f"{row.households:,}{_change(row.households_change)}"
            after += (
                ""
                if row.member_households is None
                else (f" / {row.member_households:,}{_change(row.member_households_change)}")
            )
            self.stdout.write(
                f"{STATUS_LABELS[row.status]}\t{row.code}\t{row.association_name or row.source.name}\t{before} → {after}"
            )

    def _summary(self, preview: importer.Preview) -> None:
        s = preview.summary
        self.stdout.write(
            f"{preview.filename}（調査基準日 {preview.survey_date.isoformat()}）: {s.rows}行、"
            f"新規 {s.new}件、変更 {s.changed}件、変更なし {s.unchanged}件、"
            f"エラー {s.errors}件、警告 {s.warnings}件"
        )
