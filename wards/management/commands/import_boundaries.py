"""manage.py import_boundaries FILE: replace the wards' boundary polygons with an official file's."""

from django.core.management.base import BaseCommand, CommandError

from wards.boundaries import LEVELS, BoundaryFileError, import_ward_boundaries


class Command(BaseCommand):
    help = (
        "区の境界ファイル（GeoJSON、シェープファイル .zip/フォルダ、GeoPackage、国土数値情報 N03）を取り込み、"
        "既存の境界をすべて置き換えます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="境界ファイルのパス")
        parser.add_argument("--level", default="ward", help=f"境界の区分（対応: {', '.join(LEVELS)}）")
        parser.add_argument("--code-field", help="5桁の区コードの列（省略時は N03_007、なければ code）")
        parser.add_argument("--name-field", help="区名の列（区コードの代わりに区名で照合します）")
        parser.add_argument("--layer", help="複数のレイヤーを持つファイルで取り込むレイヤー名")

    def handle(self, *args, file, level, code_field, name_field, layer, **options):
        if code_field and name_field:
            raise CommandError("--code-field と --name-field はどちらか一方だけを指定してください。")
        try:
            report = import_ward_boundaries(
                path=file, level=level, code_field=code_field, name_field=name_field, layer=layer
            )
        except BoundaryFileError as exc:
            raise CommandError(f"{exc}（境界は変更していません）") from exc

        out = self.stdout
        out.write(
            f"{report.source_file}: 地物 {report.features_read} 件（座標参照系 {report.crs}、照合列 {report.key_field}）"
        )
        for code, name, pieces in report.matched:
            merged = f"（{pieces} 件の地物を統合）" if pieces > 1 else ""
            out.write(f"  取込 {code} {name}{merged}")
        if report.unmatched:
            out.write(f"  区に一致しない地物（無視）: {'、'.join(report.unmatched)}")
        if report.missing_wards:
            missing = "、".join(f"{code} {name}" for code, name in report.missing_wards)
            out.write(self.style.WARNING(f"  境界のない区: {missing}"))
        if report.repaired:
            out.write(f"  不正なリングを修復した地物: {report.repaired} 件")
        if report.empty:
            out.write(f"  ジオメトリが空の地物（無視）: {report.empty} 件")
        if not report.coverage_is_valid:
            out.write(
                self.style.WARNING(
                    "  区の境界どうしに重なりまたは不一致があります。簡略化の結果を確認してください。"
                )
            )
        out.write(f"  出典表記: {report.attribution}")
        out.write(
            self.style.SUCCESS(
                f"{len(report.matched)} 区の境界を取り込みました（原寸 {report.geometry_bytes / 1024:.0f} KB、"
                f"Web 表示用 {report.simplified_bytes / 1024:.0f} KB）。"
            )
        )
