"""manage.py import_boundaries FILE… [--level ward|district|association]: replace one level's boundaries."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chonaikai.cities.texts import labelled, words
from wards.boundaries import (
    CODE_FIELDS,
    LEVEL_LABELS,
    LEVELS,
    WARD,
    BoundaryFileError,
    import_boundaries,
    loaded_municipality,
)

# Lists longer than this (an association file's thousands of areas) are cut short unless -v 2.
LISTED = 20


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse needs a str, in the language active when it runs
        return (
            _(
                "境界ファイル（GeoJSON、TopoJSON、シェープファイル .zip/フォルダ、GeoPackage、国土数値情報 N03）を取り込み、"
                "その区分（%(area)s・地区・町内会）の既存の境界を置き換えます。複数のファイル、フォルダ、"
                "複数のファイルを含む ZIP は1組として取り込みます。"
            )
            % words()
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="+",
            help=_("境界ファイル、フォルダまたは ZIP のパス（複数指定すると1組として取り込みます）"),
        )
        parser.add_argument(
            "--level",
            default=WARD,
            choices=LEVELS,
            help=labelled(_("境界の区分: ward（%(area)s）、district（地区）、association（町内会の区域）")),
        )
        fields = {level: _("、").join(CODE_FIELDS[level]) for level in LEVELS}
        parser.add_argument(
            "--code-field",
            help=_(
                "コードの列（%(area)s: 5桁の%(area)sコード、省略時は %(ward)s の順に探します。地区: 地区コード、"
                "省略時は %(district)s。町内会: 町内会コード、省略時は %(association)s）"
            )
            % {**fields, "area": words()["area"]},
        )
        parser.add_argument("--name-field", help=_("名前の列（コードの代わりに名前で照合します）"))
        parser.add_argument("--layer", help=_("複数のレイヤーを持つファイルで取り込むレイヤー名"))
        parser.add_argument(
            "--keep-others",
            action="store_true",
            help=_(
                "ファイルにある区域の境界だけを置き換え、ほかの区域の境界を残します（既定ではすべて置き換えます）"
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("取り込んだ場合の結果（置き換える・削除する境界）を表示するだけで、境界は変更しません"),
        )
        parser.add_argument(
            "--encoding",
            help=_(
                "シェープファイルの属性の文字コード（.cpg がなく、自動判定できない場合。例: CP932、UTF-8）"
            ),
        )
        parser.add_argument(
            "--crs",
            help=_("座標参照系を持たない（.prj のない）ファイルの座標参照系（例: EPSG:6680）"),
        )
        parser.add_argument(
            "--local-names",
            action="store_true",
            help=_("名前で照合するとき、属性に市町村名がなくても、この市町村だけのファイルとして照合します"),
        )

    def handle(self, *args, file, level, code_field, name_field, layer, **options):
        if code_field and name_field:
            raise CommandError(_("--code-field と --name-field はどちらか一方だけを指定してください。"))
        try:
            report = import_boundaries(
                path=file,
                level=level,
                code_field=code_field,
                name_field=name_field,
                layer=layer,
                encoding=options.get("encoding"),
                crs=options.get("crs"),
                keep_others=options.get("keep_others", False),
                local_names=options.get("local_names", False),
                dry_run=options.get("dry_run", False),
            )
        except BoundaryFileError as exc:
            raise CommandError(_("%(error)s（境界は変更していません）") % {"error": exc}) from exc

        everything = options.get("verbosity", 1) >= 2
        label = LEVEL_LABELS[level]
        out = self.stdout
        out.write(
            _("%(file)s: 地物 %(n)s 件（座標参照系 %(crs)s、照合列 %(field)s）")
            % {
                "file": report.source_file,
                "n": report.features_read,
                "crs": report.crs,
                "field": report.key_field,
            }
        )
        if len(report.files) > 1:
            out.write(
                _("  %(n)s ファイルを1組として取り込み: %(files)s")
                % {"n": len(report.files), "files": self._listing(report.files, everything)}
            )
        for name, encoding in report.encodings.items():
            out.write(
                _(
                    "  %(file)s: .cpg がないため文字コードを %(encoding)s と判定しました（--encoding で変更できます）"
                )
                % {"file": name, "encoding": encoding}
            )
        if report.outside:
            out.write(
                _("  %(city)s以外の地物（無視）: %(n)s 件")
                % {"city": loaded_municipality().name, "n": report.outside}
            )
        matched = report.matched if everything else report.matched[:LISTED]
        for code, name, pieces in matched:
            if pieces > 1:
                out.write(
                    _("  取込 %(code)s %(name)s（%(pieces)s 件の地物を統合）")
                    % {"code": code, "name": name, "pieces": pieces}
                )
            else:
                out.write(_("  取込 %(code)s %(name)s") % {"code": code, "name": name})
        if len(matched) < len(report.matched):
            out.write(
                _("  ほか %(n)s 件を取込（すべて表示するには -v 2）")
                % {"n": len(report.matched) - len(matched)}
            )
        if report.unmatched:
            out.write(
                _("  %(level)sに一致しない地物（無視）: %(values)s")
                % {"level": label, "values": self._listing(report.unmatched, everything)}
            )
        if report.ambiguous:
            out.write(
                self.style.WARNING(
                    _("  同じ名前の%(level)sが複数あるため照合できない地物（無視）: %(values)s")
                    % {"level": label, "values": self._listing(report.ambiguous, everything)}
                )
            )
        if report.missing:
            missing = [f"{code} {name}" for code, name in report.missing]
            out.write(
                self.style.WARNING(
                    _("  境界のない%(level)s: %(areas)s")
                    % {"level": label, "areas": self._listing(missing, everything)}
                )
            )
        if report.removed:
            removed = [f"{code} {name}" for code, name in report.removed]
            out.write(
                self.style.WARNING(
                    (
                        _(
                            "  ファイルにないため境界を削除する%(level)s: %(areas)s"
                            "（ほかの境界を残すには --keep-others）"
                        )
                        if options.get("dry_run")
                        else _(
                            "  ファイルにないため境界を削除した%(level)s: %(areas)s"
                            "（ほかの境界を残すには --keep-others）"
                        )
                    )
                    % {"level": label, "areas": self._listing(removed, everything)}
                )
            )
        if report.kept:
            kept = [f"{code} {name}" for code, name in report.kept]
            out.write(
                _("  境界をそのまま残した%(level)s: %(areas)s")
                % {"level": label, "areas": self._listing(kept, everything)}
            )
        if report.repaired:
            out.write(_("  不正なリングを修復した地物: %(n)s 件") % {"n": report.repaired})
        if report.empty:
            out.write(_("  ジオメトリが空の地物（無視）: %(n)s 件") % {"n": report.empty})
        if not report.coverage_is_valid:
            out.write(
                self.style.WARNING(
                    _(
                        "  %(level)sの境界どうしに重なりまたは不一致があります。簡略化の結果を確認してください。"
                    )
                    % {"level": label}
                )
            )
        out.write(_("  出典表記: %(text)s") % {"text": report.attribution or _("（なし）")})
        n = len(report.matched)
        if options.get("dry_run"):
            out.write(
                self.style.WARNING(
                    _("確認のみ（--dry-run）: %(n)s %(level)sの境界を取り込めます。境界は変更していません。")
                    % {"n": n, "level": label}
                )
            )
            return
        out.write(
            self.style.SUCCESS(
                _("%(n)s %(level)sの境界を取り込みました（原寸 %(full)s KB、Web 表示用 %(web)s KB）。")
                % {
                    "n": n,
                    "level": label,
                    "full": f"{report.geometry_bytes / 1024:.0f}",
                    "web": f"{report.simplified_bytes / 1024:.0f}",
                }
            )
        )

    def _listing(self, values: list[str], everything: bool) -> str:
        shown = values if everything else values[:LISTED]
        text = _("、").join(shown)
        if len(shown) < len(values):
            text += _("ほか %(n)s 件") % {"n": len(values) - len(shown)}
        return text
