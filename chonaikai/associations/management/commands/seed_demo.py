"""Synthetic demo data, clearly labelled: every name carries 「（サンプル）」.

    manage.py seed_demo [--seed N] [--size small]

Replaces earlier sample data (rows with is_sample=True, their counts and history) in one
transaction, so running it twice gives the same rows, not twice as many. Registry totals
(WardTotal) are read as weights and never written. See chonaikai/associations/sample.py.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from chonaikai.associations import sample
from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.subsidies.sample import seed_sample_applications


class Command(BaseCommand):
    help = (
        "架空のサンプルデータ（名称に「（サンプル）」）を作成します。"
        "以前のサンプルデータは置き換え、実データと同じコードがあれば中止します。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=sample.DEFAULT_SEED,
            help=f"乱数の種。同じ種からは同じデータができます（既定 {sample.DEFAULT_SEED}）。",
        )
        parser.add_argument(
            "--size",
            choices=sorted(sample.SIZES),
            default="full",
            help="full: 札幌市の規模（既定）。small: 町内会・世帯数が約20分の1の小さな市（テスト用）。",
        )

    def handle(self, *args, seed, size="full", **options):
        started = time.monotonic()
        try:
            dataset = sample.seed_sample_data(seed=seed, size=sample.SIZES[size])
        except sample.SampleDataError as exc:
            raise CommandError(str(exc)) from exc
        subsidies = seed_sample_applications(seed=seed)  # applications in every state, a few halls
        elapsed = time.monotonic() - started

        associations = dataset.associations
        dissolved = sum(a.status == Association.Status.DISSOLVED for a in associations)
        merged = sum(a.status == Association.Status.MERGED for a in associations)
        write = self.stdout.write
        write(f"サンプルデータを作成しました（seed={seed}、{elapsed:.1f} 秒）。")
        if size != "full":
            write("  小さな市: 町内会・世帯数は札幌市の約20分の1です（加入率は公表値どおり）。")
        write(f"  まちづくりセンター地区: {len(dataset.districts)}")
        write(f"  連合町内会: {len(dataset.federations)}")
        write(f"  町内会・自治会: {len(associations):,}（うち解散 {dissolved}、合併 {merged}）")
        write(f"  世帯数の記録: {len(dataset.counts):,}")
        write(f"  補助金の申請: {subsidies.applications}、会館: {subsidies.halls}")
        write("  全市の加入率（サンプルデータ）:")
        for day, total in dataset.city_totals().items():
            note = "（公表値なし: 前後の年の間の値）" if day in sample.INTERPOLATED_DATES else ""
            write(
                f"    {day:%Y-%m-%d}  {total.rate}%  加入世帯数 {total.member_households:,}"
                f" / 区域内世帯数 {total.households:,}{note}"
            )
        others = (
            HouseholdCount.objects.filter(survey_date__in=sample.SURVEY_DATES, association__is_sample=False)
            .only("id")
            .exists()
        )
        if others:
            self.stderr.write(
                "注意: サンプル以外の世帯数も同じ調査基準日に登録されているため、"
                "画面の全市集計は上の値と一致しません。"
            )
