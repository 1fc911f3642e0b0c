"""tests/database_copy.py puts back exactly what it copied: rows, rows made since gone, sequences."""

import pytest

from tests import database_copy
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test here
def test_a_copy_put_back_gives_the_rows_and_the_next_ids_as_they_were():
    from django.contrib.auth import get_user_model
    from django.db import connection

    User = get_user_model()
    kept = UserFactory(username="kept")
    copy = database_copy.take(connection)
    assert copy is not None, f"no copy on {connection.vendor}"
    before = database_copy.row_counts(connection)

    made = UserFactory(username="made-after")
    kept.first_name = "changed"
    kept.save()
    copy.restore(connection)

    assert database_copy.row_counts(connection) == before
    assert list(User.objects.values_list("username", "first_name")) == [("kept", "")]
    assert UserFactory(username="again").pk == made.pk  # the sequence as it was when copied


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test here
def test_a_copy_is_never_put_into_another_database(monkeypatch):
    """After the session the connection names the real database again: a copy must not land there."""
    from django.db import connection

    copy = database_copy.take(connection)
    monkeypatch.setitem(connection.settings_dict, "NAME", "the-real-database")
    with pytest.raises(RuntimeError, match="the-real-database"):
        copy.restore(connection)
