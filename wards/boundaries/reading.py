"""Boundary files → one set of features: which files a path holds, their encoding, attributes, geometries.

A set is what cities receive: several paths, a folder, or a zip of several GeoJSON, TopoJSON,
Shapefile or GeoPackage files (one file per ward, as some publishers ship them). Attributes are
read first, without geometries, and only the features that match an area have their geometry read:
a file of all Japan is matched on ~1,900 rows of text and only the city's polygons are built.
"""

from __future__ import annotations

import json
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext

from .common import BoundaryFileError

# Boundary files inside a folder or a zip. When one stem comes in several formats (N03 zips ship
# the same data as .geojson and .shp), the first suffix here is read and the others are skipped.
BOUNDARY_SUFFIXES = (".geojson", ".json", ".topojson", ".gpkg", ".shp")
# Reading a whole GeoJSON a second time just for its `attribution` member is only worth it when small.
_ATTRIBUTION_MAX_BYTES = 64 * 1024 * 1024
_JSON = (".geojson", ".json", ".topojson")
_FIDS_PER_QUERY = 1000
# Formats that hold one layer (a TopoJSON's objects are read as one).
_SINGLE_LAYER = (".geojson", ".json", ".shp")
# Longitude/latitude bounds; coordinates beyond them are metres (or another projected unit).
_LONLAT = (-180, -90, 180, 90)


@dataclass(frozen=True)
class Member:
    """One file of a set: the name messages use, the path GDAL opens, and where its parts live."""

    label: str
    source: str  # a path, or /vsizip/<zip>/<member>
    archive: Path | None = None  # the zip holding it
    inner: str = ""  # its path inside the zip

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.inner or self.source).suffix.lower()


def members_of(paths: list[Path]) -> list[Member]:
    """Every boundary file of the set the paths name (files, folders, zips), in a stable order."""
    found: list[Member] = []
    for path in paths:
        if not path.exists():
            raise BoundaryFileError(gettext("ファイルが見つかりません: %(path)s") % {"path": path})
        if path.is_dir():
            files = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
            chosen = _boundary_files(files)
            if not chosen:
                raise BoundaryFileError(
                    gettext(
                        "フォルダに境界ファイル（.geojson、.json、.topojson、.shp、.gpkg）がありません（%(file)s）。"
                    )
                    % {"file": path.name}
                )
            found += [Member(label=f"{path.name}/{name}", source=str(path / name)) for name in chosen]
        elif path.suffix.lower() == ".zip":
            found += _zip_members(path)
        else:
            found.append(Member(label=path.name, source=str(path)))
    return found


def _zip_members(path: Path) -> list[Member]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except zipfile.BadZipFile as exc:
        raise BoundaryFileError(
            gettext("ZIP ファイルとして開けません（%(file)s）。") % {"file": path.name}
        ) from exc
    chosen = _boundary_files(names)
    if not chosen:
        raise BoundaryFileError(
            gettext("ZIP の中に境界ファイル（.shp、.geojson、.topojson、.gpkg）がありません（%(file)s）。")
            % {"file": path.name}
        )
    resolved = path.resolve()
    return [
        Member(label=f"{path.name}:{name}", source=f"/vsizip/{resolved}/{name}", archive=resolved, inner=name)
        for name in chosen
    ]


def _boundary_files(names: list[str]) -> list[str]:
    """The boundary files among names, one format per stem (the first of BOUNDARY_SUFFIXES)."""
    by_stem: dict[str, str] = {}
    for suffix in BOUNDARY_SUFFIXES:
        for name in sorted(names):
            stem, dot, ext = name.rpartition(".")
            if dot and f".{ext.lower()}" == suffix and stem not in by_stem:
                by_stem[stem] = name
    return sorted(by_stem.values())


def shapefile_encoding(member: Member, *, given: str | None) -> tuple[str | None, bool]:
    """(encoding to read a Shapefile's attributes with, whether it was detected); (None, False) if GDAL knows.

    A .cpg beside the .shp names it. Without one (older N03 releases, files saved by older tools),
    the .dbf's text is tried as UTF-8, then as CP932 (Shift_JIS): UTF-8 first, because CP932 bytes
    are almost never valid UTF-8 while UTF-8 text often decodes, wrongly, as CP932.
    """
    if member.suffix != ".shp":
        return given, False
    if given:
        return given, False
    stem = (member.inner or member.source)[: -len(".shp")]
    if _part(member, stem, ".cpg") is not None:
        return None, False
    dbf = _part(member, stem, ".dbf")
    if dbf is None:
        return None, False
    records = _dbf_records(dbf)
    if records.isascii():
        return None, False
    for encoding in ("UTF-8", "CP932"):
        try:
            records.decode(encoding.lower())
        except UnicodeDecodeError:
            continue
        return encoding, True
    raise BoundaryFileError(
        gettext(
            "シェープファイルの文字コードを判定できません（%(file)s: .cpg がなく、UTF-8 でも CP932（Shift_JIS）"
            "でもありません）。--encoding で文字コードを指定してください（例: --encoding EUC-JP）。"
        )
        % {"file": member.label}
    )


def _part(member: Member, stem: str, suffix: str) -> bytes | None:
    """The bytes of a Shapefile's sibling part (.cpg, .dbf, any case), or None if it has none."""
    if member.archive is not None:
        with zipfile.ZipFile(member.archive) as archive:
            for name in archive.namelist():
                if name.lower() == f"{stem}{suffix}".lower():
                    return archive.read(name)
        return None
    folder = Path(stem).parent
    for candidate in folder.iterdir():
        if str(candidate).lower() == f"{stem}{suffix}".lower():
            return candidate.read_bytes()
    return None


def _dbf_records(data: bytes) -> bytes:
    """A .dbf's record area (the header's bytes 8–9 give its length)."""
    if len(data) < 32:
        return b""
    (header_length,) = struct.unpack("<H", data[8:10])
    return data[header_length:]


def read_attributes(member: Member, *, layer: str | None, encoding: str | None):
    """The member's attribute table (a DataFrame indexed by feature id), and the layer read."""
    import pyogrio

    try:
        if layer is None:
            layer = _polygon_layer(member)
        frame = pyogrio.read_dataframe(
            member.source, layer=layer, read_geometry=False, fid_as_index=True, encoding=encoding
        )
    except BoundaryFileError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, RuntimeError) as exc:
        raise BoundaryFileError(
            gettext(
                "境界ファイルを読み込めません（%(file)s）。GeoJSON・TopoJSON・シェープファイル（.zip またはフォルダ）・"
                "GeoPackage・国土数値情報 N03 のいずれかを指定してください。詳細: %(detail)s"
            )
            % {"file": member.label, "detail": exc}
        ) from exc
    return frame, layer


def geometry_type(member: Member, *, layer: str | None) -> str:
    """The layer's declared geometry type ("Point", "MultiPolygon", "Unknown" for mixed GeoJSON…)."""
    import pyogrio

    try:
        return str(pyogrio.read_info(member.source, layer=layer).get("geometry_type") or "")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, RuntimeError):
        return ""


def read_geometries(
    member: Member, fids: list[int], *, layer: str | None, encoding: str | None, crs: str | None
):
    """The geometries of the member's features `fids`, in EPSG:4326, and the file's own CRS (text)."""
    import geopandas
    import pandas
    import pyogrio

    if member.suffix in _JSON:
        # GeoJSON has no index: reading by FID seeks from the start for every feature (34 s for 10
        # wards of an 80 MB file), where one filtered pass takes as long as reading the attributes.
        frames = [
            pyogrio.read_dataframe(
                member.source,
                layer=layer,
                where=f"FID IN ({','.join(str(f) for f in fids[i : i + _FIDS_PER_QUERY])})",
                columns=[],
                fid_as_index=True,
                encoding=encoding,
            )
            for i in range(0, len(fids), _FIDS_PER_QUERY)
        ]
        frame = frames[0] if len(frames) == 1 else pandas.concat(frames)
    else:
        frame = pyogrio.read_dataframe(
            member.source, layer=layer, fids=fids, columns=[], fid_as_index=True, encoding=encoding
        )
    gdf = geopandas.GeoDataFrame(geometry=frame.geometry.values, index=frame.index, crs=frame.crs)
    gdf = gdf.reindex(fids)
    if gdf.crs is None:
        if crs:
            gdf = gdf.set_crs(crs)
            source_crs = gettext("%(crs)s（--crs で指定）") % {"crs": crs}
        else:
            minx, miny, maxx, maxy = gdf.total_bounds
            if not (_LONLAT[0] <= minx <= maxx <= _LONLAT[2] and _LONLAT[1] <= miny <= maxy <= _LONLAT[3]):
                raise BoundaryFileError(
                    gettext(
                        "座標がメートル単位（平面直角座標系などの投影座標）のようですが、座標参照系が分かりません"
                        "（%(file)s: .prj がありません。座標の範囲 x %(minx).0f〜%(maxx).0f、y %(miny).0f〜%(maxy).0f）。"
                        ".prj ファイルを添えるか、--crs で座標参照系を指定してください"
                        "（例: 平面直角座標系 JGD2011 は EPSG:6669〜6687）。"
                    )
                    % {"file": member.label, "minx": minx, "maxx": maxx, "miny": miny, "maxy": maxy}
                )
            gdf = gdf.set_crs(4326)
            source_crs = gettext("（不明: 経緯度とみなしました）")
    else:
        source_crs = gdf.crs.to_string()
    if gdf.crs.to_epsg() != 4326:
        # N03 ships in JGD2011 (EPSG:6668); the shift to WGS 84 is below a metre.
        gdf = gdf.to_crs(4326)
    return gdf.geometry, source_crs


def _polygon_layer(member: Member) -> str | None:
    """The one polygon layer of a multi-layer source (a GeoPackage)."""
    import pyogrio

    if member.suffix in _SINGLE_LAYER:
        return None  # listing layers would parse the whole file once more
    layers = pyogrio.list_layers(member.source)
    if len(layers) <= 1:
        return None
    polygons = [name for name, kind in layers if kind and "Polygon" in kind]
    if len(polygons) == 1:
        return polygons[0]
    names = gettext("、").join(str(name) for name, _kind in layers)
    raise BoundaryFileError(
        gettext(
            "レイヤーが複数あります（%(file)s: %(names)s）。--layer で取り込むレイヤーを指定してください。"
        )
        % {"file": member.label, "names": names}
    )


def attribution(members: list[Member]) -> str | None:
    """The first GeoJSON's top-level `attribution` member (a foreign member readers ignore), or None."""
    for member in members:
        if member.archive is not None or member.suffix not in _JSON:
            continue
        path = Path(member.source)
        if path.stat().st_size > _ATTRIBUTION_MAX_BYTES:
            continue
        try:
            raw = path.read_bytes()
            if b'"attribution"' not in raw:  # N03 files have none: do not parse all of Japan again
                continue
            value = json.loads(raw.decode("utf-8")).get("attribution")
        except (ValueError, AttributeError, OSError):
            value = None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
