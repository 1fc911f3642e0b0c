"""What the counts import's speed took away from the database, and what still holds without it.

Migration 0005 dropped an index no query used and the database constraint on the history rows'
user (checked once per row at COMMIT); audit_records writes an import's events in one INSERT.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.associations.imports.importer import ParsedRow
from chonaikai.associations.models import HouseholdCount
from chonaikai.associations.services import counts_import_commit
from chonaikai.audit.models import AuditEvent
from chonaikai.audit.services import audit_record, audit_records
from tests.factories import AssociationFactory, HouseholdCountFactory, UserFactory, ward

pytestmark = pytest.mark.django_db

SURVEY = dt.date(2024, 1, 1)


def test_deleting_a_user_clears_them_from_the_count_history(city_admin):
    importer_user = UserFactory(username="temp_importer", is_superuser=True)
    a = AssociationFactory(ward=ward("01101"))
    counts_import_commit(
        actor=importer_user,
        survey_date=SURVEY,
        rows=[ParsedRow(code=a.code, households=100, member_households=70, row=2)],
    )
    count = HouseholdCount.objects.get(association=a)
    assert count.history.get().history_user == importer_user

    get_user_model().objects.filter(pk=importer_user.pk).delete()

    row = count.history.get()
    assert row.history_user_id is None
    count.refresh_from_db()
    assert count.entered_by_id is None


def test_audit_records_writes_what_audit_record_writes_in_one_insert(city_admin):
    chuo, kita = ward("01101"), ward("01102")
    one = audit_record(actor=city_admin, action="x.done", subject=chuo, after={"n": 1}, comment="why")
    with CaptureQueriesContext(connection) as queries:
        many = audit_records(
            actor=city_admin,
            action="x.done",
            events=[(chuo, None, {"n": 1}), (kita, {"n": 0}, {"n": 2})],
            comment="why",
        )
    assert len(queries) == 1
    fields = ["actor_id", "actor_name", "action", "subject_type_id", "subject_id", "subject_repr", "comment"]
    first = AuditEvent.objects.get(pk=many[0].pk)
    assert [getattr(first, f) for f in fields] == [getattr(one, f) for f in fields]
    assert (first.before, first.after) == (None, {"n": 1})
    second = AuditEvent.objects.get(pk=many[1].pk)
    assert (second.subject_repr, second.before, second.after) == (str(kita), {"n": 0}, {"n": 2})
    assert first.at is not None and second.at is not None


def test_audit_records_of_nothing_writes_nothing(city_admin):
    with CaptureQueriesContext(connection) as queries:
        assert audit_records(actor=city_admin, action="x.done", events=[]) == []
    assert len(queries) == 0
    assert not AuditEvent.objects.exists()


@pytest.mark.postgres
def test_counts_of_an_association_are_found_through_the_unique_constraint():
    a = AssociationFactory(ward=ward("01101"))
    HouseholdCountFactory(association=a, survey_date=SURVEY)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM {HouseholdCount._meta.db_table} WHERE association_id = %s", [a.pk]
        )
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "household_count_unique_per_survey" in plan
