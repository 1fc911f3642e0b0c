"""Every import that changes counts leaves one domain event per ward, in the same transaction."""

import datetime as dt

import pytest

from chonaikai.associations.imports import importer
from chonaikai.associations.services import CountsImportRejected, counts_import_commit
from chonaikai.audit.models import AuditEvent
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

pytestmark = pytest.mark.django_db

SURVEY = dt.date(2024, 1, 1)


def rows(*items):
    return [
        importer.ParsedRow(code=code, households=h, member_households=m, row=i + 2)
        for i, (code, h, m) in enumerate(items)
    ]


def test_import_records_one_event_per_ward_with_the_numbers(city_admin):
    a = AssociationFactory(ward=ward("01101"))
    b = AssociationFactory(ward=ward("01102"))
    HouseholdCountFactory(association=b, survey_date=SURVEY, households=10, member_households=5)
    counts_import_commit(actor=city_admin, survey_date=SURVEY, rows=rows((a.code, 100, 70), (b.code, 10, 6)))
    events = {e.subject_repr: e for e in AuditEvent.objects.filter(action="counts.imported")}
    assert set(events) == {"中央区", "北区"}
    assert (events["中央区"].after["created"], events["中央区"].after["updated"]) == (1, 0)
    assert (events["北区"].after["created"], events["北区"].after["updated"]) == (0, 1)
    assert events["北区"].actor == city_admin
    assert events["北区"].actor_name == "市民自治推進室"  # the display name, not the login name


def test_reimporting_unchanged_rows_records_nothing(city_admin):
    a = AssociationFactory(ward=ward("01101"))
    counts_import_commit(actor=city_admin, survey_date=SURVEY, rows=rows((a.code, 100, 70)))
    before = AuditEvent.objects.count()
    counts_import_commit(actor=city_admin, survey_date=SURVEY, rows=rows((a.code, 100, 70)))
    assert AuditEvent.objects.count() == before


def test_rejected_import_records_nothing(city_admin):
    with pytest.raises(CountsImportRejected):
        counts_import_commit(actor=city_admin, survey_date=SURVEY, rows=rows(("01101-9999", 1, 1)))
    assert not AuditEvent.objects.exists()
