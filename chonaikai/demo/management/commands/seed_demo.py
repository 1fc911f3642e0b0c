"""Synthetic demo data for the loaded city, clearly labelled: every name carries 「（サンプル）」.

    manage.py seed_demo [--seed N] [--size small]

The parameters come from the loaded city's profile (cities/<name>/sample.toml, see
cities/README.md): without that file the command refuses. Replaces earlier sample data (rows with
is_sample=True, their counts and history, and the sample programme when one was made) in one
transaction, so running it twice gives the same rows, not twice as many. Registry totals
(WardTotal) are read as weights and never written. See chonaikai/demo/associations/ and
chonaikai/demo/subsidies.py.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.cities.current import city
from chonaikai.demo import associations as sample
from chonaikai.demo.dataset import SIZES, SampleDataError
from chonaikai.demo.subsidies import delete_sample_applications, seed_sample_applications


class Command(BaseCommand):
    help = (
        "読み込んだ市町村のプロファイル（sample.toml）から、架空のサンプルデータ（名称に「（サンプル）」）を作成します。"
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
            choices=sorted(SIZES),
            default="full",
            help="full: プロファイルの規模（既定）。small: 町内会・世帯数が約20分の1の小さな市（テスト用）。",
        )

    def handle(self, *args, seed, size="full", **options):
        started = time.monotonic()
        try:
            with transaction.atomic():
                # The old sample applications first: they protect the sample associations that a
                # smaller dataset no longer has.
                delete_sample_applications()
                dataset = sample.seed_sample_data(seed=seed, size=SIZES[size])
                # applications in every state, a few halls (and a sample programme if the city has none)
                subsidies = seed_sample_applications(seed=seed)
        except SampleDataError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started

        params = dataset.params
        current = city()
        area = current.area_label or "区域"
        associations = dataset.associations
        dissolved = sum(a.status == Association.Status.DISSOLVED for a in associations)
        merged = sum(a.status == Association.Status.MERGED for a in associations)
        write = self.stdout.write
        write(f"サンプルデータを作成しました（{current.name}、seed={seed}、{elapsed:.1f} 秒）。")
        if size != "full":
            write(
                f"  小さな市: 町内会・世帯数は{current.name}のサンプルの約20分の1です（加入率はプロファイルの値どおり）。"
            )
        if current.district_label:
            district = current.district_label
            district += "" if district.endswith("地区") else "地区"
            write(f"  {district}: {len(dataset.districts)}")
        write(f"  {current.federation_label or '連合町内会'}: {len(dataset.federations)}")
        write(f"  町内会・自治会: {len(associations):,}（うち解散 {dissolved}、合併 {merged}）")
        write(f"  世帯数の記録: {len(dataset.counts):,}")
        several_areas = len({a.ward_code for a in associations}) > 1
        if params.registry_date and several_areas:
            write(f"  {area}ごとの世帯数: {params.registry_date:%Y-%m-%d} の住民基本台帳世帯数の比で配分")
        elif several_areas:
            write(
                f"  {area}ごとの世帯数: プロファイルに住民基本台帳世帯数（registry_date）がないため、"
                f"各{area}に均等に配分（実際の{area}の大きさは反映していません）"
            )
        programme = (
            f"（サンプルの制度「{subsidies.sample_programme}」を作成）" if subsidies.sample_programme else ""
        )
        write(f"  補助金の申請: {subsidies.applications}、会館: {subsidies.halls}{programme}")
        write("  全市の加入率（サンプルデータ）:")
        for day, total in dataset.city_totals().items():
            note = "（公表値なし: 前後の年の間の値）" if day in params.interpolated else ""
            write(
                f"    {day:%Y-%m-%d}  {total.rate}%  加入世帯数 {total.member_households:,}"
                f" / 区域内世帯数 {total.households:,}{note}"
            )
        write(f"  加入率の出典: {params.rates_source}")
        others = (
            HouseholdCount.objects.filter(survey_date__in=params.survey_dates, association__is_sample=False)
            .only("id")
            .exists()
        )
        if others:
            self.stderr.write(
                "注意: サンプル以外の世帯数も同じ調査基準日に登録されているため、"
                "画面の全市集計は上の値と一致しません。"
            )
