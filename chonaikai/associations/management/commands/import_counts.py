"""manage.py import_counts FILE --survey-date YYYY-MM-DD [--ward CODE] [--dry-run] [--user USERNAME] [--reason TEXT]

Imports one ward's (or the whole city's) household counts from an .xlsx or .csv file: all rows or
none. Errors and warnings are printed with the sheet, row and column to fix; any error exits
non-zero and writes nothing. --dry-run checks and prints the summary without writing.

Without --user the import is a system import: it may import every ward's counts (as a city
administrator may), and counts and history rows record no user. With --user the user's scope
applies (a ward's staff can import only their ward). --reason: why counts of a ward already
approved for the survey date are changed — required for a ward's staff, optional for a city
administrator and the system; it goes to the history rows and the audit events.

The command takes the page's path (services.uploads): the file is recorded as an upload, checked
and written by the same services — on PostgreSQL a file of more rows than
COUNTS_IMPORT_ASYNC_THRESHOLD by the fast path (COPY, set-based checks, one upsert) — but always in
this process, never handed to the Celery task. Without --dry-run or -v 2 the file is checked once,
inside the import's transaction (the checks before the write are the import's own); --dry-run
and -v 2 check it first, as the page's preview does.
"""

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.associations import services
from chonaikai.associations.imports import importer
from chonaikai.cities.texts import labelled, words
from wards.models import Ward

STATUS_LABELS = {
    importer.RowStatus.NEW: gettext_lazy("新規"),
    importer.RowStatus.CHANGED: gettext_lazy("変更"),
    importer.RowStatus.UNCHANGED: gettext_lazy("変更なし"),
    importer.RowStatus.ERROR: gettext_lazy("エラー"),
}


def _change(value: int | None) -> str:
    return "" if not value else _("（%(change)s）") % {"change": f"{value:+,}"}


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _(
            "町内会別の世帯数を Excel（.xlsx）または CSV ファイルから取り込みます。エラーが1件でもあれば何も書き込みません。"
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("取り込むファイル（.xlsx / .csv）"))
        parser.add_argument(
            "--survey-date", required=True, help=gettext_lazy("調査基準日 YYYY-MM-DD（例: 2024-01-01）")
        )
        parser.add_argument(
            "--ward",
            metavar="CODE",
            help=labelled(gettext_lazy("この%(area)sの町内会だけを受け付ける（%(area)sコード5桁）")),
        )
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("確認だけして書き込まない"))
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=labelled(
                gettext_lazy("取込を行う利用者（省略時はシステム取込: すべての%(area)sを取り込めます）")
            ),
        )
        parser.add_argument(
            "--reason",
            metavar="TEXT",
            default="",
            help=labelled(
                gettext_lazy(
                    "変更理由: 承認済みの%(area)sの世帯数を変更するとき、%(area_office)sの職員は必須（履歴と操作記録に残ります）"
                )
            ),
        )

    def handle(self, *args, file, survey_date, ward, dry_run, user, reason="", **options):
        day = self._date(survey_date)
        ward_obj = self._ward(ward)
        actor = self._user(user)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CommandError(
                _("ファイル「%(file)s」を読めません（%(error)s）。") % {"file": file, "error": e.strerror}
            ) from e

        upload = services.counts_upload_create(
            actor=actor,
            data=data,
            filename=path.name,
            survey_date=day,
            ward=ward_obj,
            reason=reason or "",
            preview=False,
        )
        checked = dry_run or options["verbosity"] >= 2
        if checked:
            preview = services.counts_upload_check(upload_id=upload.pk)
            self._issues(preview)
            if options["verbosity"] >= 2:
                self._rows(preview)
            self._summary(preview)
            if preview.has_errors or dry_run:
                services.counts_upload_discard(upload=upload)  # nobody comes back to it
            if preview.has_errors:
                raise CommandError(
                    _("エラーが%(n)d件あるため、取り込みませんでした。") % {"n": len(preview.errors)}
                )
            if dry_run:
                self.stdout.write(_("確認のみ（--dry-run）: 何も書き込んでいません。"))
                return
        try:
            result = services.counts_upload_import(upload_id=upload.pk)
        except services.CountsImportRejected as e:
            self._issues(e.preview, warnings=not checked)
            if not checked:
                self._summary(e.preview)
            raise CommandError(
                _("エラーが%(n)d件あるため、取り込みませんでした。") % {"n": len(e.preview.errors)}
            ) from e
        if not checked:
            self._issues(result.preview)
            self._summary(result.preview)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(date)s の世帯数を取り込みました: 新規 %(created)d件、"
                    "更新 %(updated)d件、変更なし %(unchanged)d件。"
                )
                % {
                    "date": day.isoformat(),
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
        )

    def _date(self, text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                _("調査基準日「%(text)s」は日付として読めません。YYYY-MM-DD の形で指定してください。")
                % {"text": text}
            ) from None

    def _ward(self, code: str | None) -> Ward | None:
        if not code:
            return None
        ward = Ward.objects.filter(code=code).first()
        if ward is None:
            raise CommandError(
                _("%(area)sコード「%(code)s」の%(area)sはありません。") % {**words(), "code": code}
            )
        return ward

    def _user(self, username: str | None):
        if not username:
            return None
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None or not user.is_active:
            raise CommandError(
                _("利用者「%(username)s」はいないか、無効になっています。") % {"username": username}
            )
        return user

    def _issues(self, preview: importer.Preview, *, warnings: bool = True) -> None:
        for issue in preview.errors:
            self.stderr.write(_("エラー: %(issue)s") % {"issue": issue})
        if warnings:
            for issue in preview.warnings:
                self.stdout.write(_("警告: %(issue)s") % {"issue": issue})

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
            _(
                "%(file)s（調査基準日 %(date)s）: %(rows)d行、"
                "新規 %(new)d件、変更 %(changed)d件、変更なし %(unchanged)d件、"
                "エラー %(errors)d件、警告 %(warnings)d件"
            )
            % {
                "file": preview.filename,
                "date": preview.survey_date.isoformat(),
                "rows": s.rows,
                "new": s.new,
                "changed": s.changed,
                "unchanged": s.unchanged,
                "errors": s.errors,
                "warnings": s.warnings,
            }
        )
