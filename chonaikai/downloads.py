"""File responses every app sends (API, maps, pages): CSV for Excel, xlsx, and codes kept as text."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
# A letter before a code keeps it text in spreadsheets: pandas' read_csv and LibreOffice read a
# column of digits as numbers whatever the quoting, and 01234 becomes 1234.
CODE_TEXT_PREFIX = "C"


def code_text(code: str) -> str:
    """A code in the form CSV readers keep as text (C01234); removing the "C" gives it back."""
    return f"{CODE_TEXT_PREFIX}{code}"


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def workbook_response(workbook, *, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_MEDIA_TYPE), filename)


def csv_response(header: list[str], rows, *, filename: str) -> HttpResponse:
    """UTF-8 with a byte-order mark, so that Excel (what the ward offices open CSV files with) reads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    content = "\ufeff" + buffer.getvalue()
    return attachment(
        HttpResponse(content.encode("utf-8"), content_type=f"{CSV_MEDIA_TYPE}; charset=utf-8"), filename
    )
