"""A write the database refuses (a constraint) comes back to the form as a message, with the input kept."""

import pytest

from chonaikai.associations.models import Association
from tests.factories import AssociationFactory, ward

pytestmark = pytest.mark.django_db


def test_a_code_taken_after_the_checks_is_refused_by_the_database_and_the_form_keeps_the_input(
    client, ward_staff_chuo, monkeypatch
):
    """Two people registering the same code at once: both pass the checks, the unique index stops one."""
    AssociationFactory(ward=ward("01101"), code="01101-0500", name="先に登録された町内会")
    # The race: the form's and the service's uniqueness checks ran before the other insert.
    monkeypatch.setattr(Association, "validate_unique", lambda self, exclude=None: None)
    client.force_login(ward_staff_chuo)

    response = client.post(
        "/registry/01101/new/",
        {
            "code": "01101-0500",
            "name": "あとから登録する町内会",
            "kana": "あとからとうろくするちょうないかい",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "町内会コード 01101-0500 は既に使われています。" in html
    assert 'value="あとから登録する町内会"' in html
    assert 'value="01101-0500"' in html
    assert list(Association.objects.filter(code="01101-0500").values_list("name", flat=True)) == [
        "先に登録された町内会"
    ]
