"""Time what hostile counts files cost before they are refused or answered (issue 13).

    .venv/bin/python -m bench.bench_hostile

Prints, on a throwaway SQLite database: the preview of 4,000 copies of one row (the issue's 72 KB
CSV: 106 s and a 412 MB response before), with the size of its API answer; the checks that refuse
the 1.6 KB far-cell workbook and the 300 MB zip bomb; and what the check costs a legitimate
300,000-row workbook. The files are the tests' (tests/imports/hostile.py).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from pathlib import Path


def _setup(tmp: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "chonaikai.settings"
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["TEST"]["NAME"] = str(tmp / "bench.sqlite3")


def _timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<58} {time.perf_counter() - start:7.3f} s")
    return result


def _big_workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("counts")
    ws.append(["町内会コード", "町内会名", "区域内世帯数", "加入世帯数", "備考"])  # i18n: data
    for i in range(rows):
        ws.append([f"12345-{i % 10_000:04d}", f"町内会{i}", 150 + i % 400, 100, ""])  # i18n: data
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp))
        from django.test.utils import setup_databases, teardown_databases

        old = setup_databases(verbosity=0, interactive=False)
        try:
            _run()
        finally:
            teardown_databases(old, verbosity=0)


def _run() -> None:
    import csv
    import datetime as dt

    from rest_framework.renderers import JSONRenderer

    from api.counts.serializers import PreviewSerializer
    from chonaikai.associations.imports import importer, spreadsheet
    from chonaikai.associations.models import Association
    from tests.imports import hostile
    from wards.models import Ward

    data = hostile.duplicates_csv(4_000)
    # The association the file's rows name, in a ward of its code (no city profile is needed here).
    code, name = next(
        row[:2] for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) if row and row[0][:1].isdigit()
    )
    area = code.split("-")[0]
    ward, _created = Ward.objects.get_or_create(code=area, defaults={"name": area, "kana": "", "romaji": ""})
    Association.objects.get_or_create(code=code, defaults={"name": name, "ward": ward})
    print(f"4,000 copies of one row: {len(data) / 1024:.0f} KB CSV")
    preview = _timed(
        "  preview (read, parse, check)",
        lambda: importer.preview_file(
            data, filename="counts.csv", survey_date=dt.date(2026, 1, 1), actor=None
        ),
    )
    body = _timed(
        "  API answer (serialise + render JSON)",
        lambda: JSONRenderer().render(PreviewSerializer(preview).data),
    )
    errors = json.loads(body)["errors"]
    print(
        f"  errors: {len(errors)}, their text {sum(len(e['message']) for e in errors)} chars; answer {len(body) / 1024:.0f} KB"
    )

    for label, make in (
        ("far cell (1.6 KB, XFD1048576)", hostile.far_cell_xlsx),
        ("zip bomb (300 MB unpacked)", lambda: hostile.zip_bomb_xlsx(300)),
    ):
        file = make()

        def refuse(file=file):
            try:
                spreadsheet.check_workbook(file)
            except spreadsheet.FileRefused as e:
                return str(e)
            return "not refused"

        message = _timed(f"refuse {label}, {len(file) / 1024:.0f} KB", refuse)
        print(f"  {message[:70]}…")

    file = _big_workbook(300_000)
    _timed(
        f"check a 300,000-row workbook ({len(file) / 1e6:.1f} MB)", lambda: spreadsheet.check_workbook(file)
    )


if __name__ == "__main__":
    main()
