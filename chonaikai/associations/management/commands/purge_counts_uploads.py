"""manage.py purge_counts_uploads: remove counts uploads past COUNTS_UPLOAD_RETENTION_HOURS.

Their files and their records (preview figures, progress, outcome). Celery beat runs the same
service hourly (settings.CELERY_BEAT_SCHEDULE); this is for servers without beat, e.g. from cron.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from chonaikai.associations import services


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _("保存期間（COUNTS_UPLOAD_RETENTION_HOURS）を過ぎた世帯数の取込ファイルと記録を削除します。")

    def handle(self, *args, **options):
        removed = services.counts_uploads_purge()
        self.stdout.write(_("取込ファイル %(n)d件を削除しました。") % {"n": removed})
