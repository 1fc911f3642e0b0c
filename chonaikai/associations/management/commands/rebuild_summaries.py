"""manage.py rebuild_summaries [--check]

Recompute every ward summary (models.WardSummary) from the household counts, in one transaction.
Services keep the summaries in step as they write; run this after counts were written some other
way (a restored backup, raw SQL, a shell) — or with --check, to list the pairs that disagree
without writing anything (exit status 1 if any).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from chonaikai.associations.services.summaries import summaries_mismatches, summaries_rebuild


class Command(BaseCommand):
    help = "区ごと・調査基準日ごとの集計（WardSummary）を世帯数の記録から作り直します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="作り直さず、世帯数の記録と一致しない集計を表示する"
        )

    def handle(self, *args, check, **options):
        if check:
            mismatches = summaries_mismatches()
            for (ward_id, day), held, expected in mismatches:
                self.stdout.write(
                    f"区 id={ward_id} {day:%Y-%m-%d}: 集計 {held} / 世帯数の記録から {expected}"
                )
            if mismatches:
                raise CommandError(
                    f"{len(mismatches)}件の集計が世帯数の記録と一致しません（rebuild_summaries で直せます）。"
                )
            self.stdout.write("集計はすべて世帯数の記録と一致しています。")
            return
        started = time.perf_counter()
        rows = summaries_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"集計を作り直しました: {rows:,}行（{time.perf_counter() - started:.2f} 秒）。"
            )
        )
