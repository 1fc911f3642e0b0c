"""Files and associations for the import and export pages."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chonaikai.associations.imports.importer import Col
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

SURVEY = dt.date(2025, 1, 1)
PREVIOUS = dt.date(2024, 1, 1)
HEADER = [Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS, Col.NOTE]


def xlsx(rows, *, header=HEADER, title_rows=()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "中央区"
    for title in title_rows:
        ws.append(title)
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows, *, encoding="utf-8") -> bytes:
    return ("\r\n".join(",".join(str(c) for c in r) for r in [HEADER, *rows]) + "\r\n").encode(encoding)


def upload(data: bytes, name: str = "counts.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def chuo(db):
    """Two associations of 中央区 (one counted last survey and this one) and one of 北区."""
    a = AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通町内会")
    b = AssociationFactory(ward=ward("01101"), code="01101-0002", name="円山町内会")
    k = AssociationFactory(ward=ward("01102"), code="01102-0001", name="北町内会")
    HouseholdCountFactory(association=a, survey_date=PREVIOUS, households=500, member_households=400)
    HouseholdCountFactory(association=a, survey_date=SURVEY, households=500, member_households=400)
    HouseholdCountFactory(association=k, survey_date=PREVIOUS, households=300, member_households=100)
    return a, b, k


@pytest.fixture(autouse=True)
def fresh_storage(settings):
    """A new in-memory default storage per test, so no upload outlives its test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
