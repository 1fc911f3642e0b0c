"""The admin site: every registered model's list page works, with Japanese labels; counts are read-only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from chonaikai.associations.models import HouseholdCount
from tests.factories import HouseholdCountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_ja(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.jp", "correct horse battery")
    client.force_login(user)
    return client


def registered_models():
    return sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name))


@pytest.mark.parametrize(
    "model", registered_models(), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}"
)
def test_every_admin_list_page_answers(admin_client_ja, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client_ja.get(url).status_code == 200


def test_admin_index_is_in_japanese(admin_client_ja):
    html = admin_client_ja.get(reverse("admin:index")).text
    assert "町内会・自治会" in html and "区・地区" in html


def test_counts_cannot_be_changed_or_deleted_in_the_admin(admin_client_ja):
    count = HouseholdCountFactory()
    change = reverse("admin:associations_householdcount_change", args=[count.pk])
    response = admin_client_ja.post(change, {"households": 1, "member_households": 1})
    assert response.status_code in (200, 403)
    count.refresh_from_db()
    assert (count.households, count.member_households) == (100, 70)
    delete = reverse("admin:associations_householdcount_delete", args=[count.pk])
    assert admin_client_ja.post(delete, {"post": "yes"}).status_code == 403
    assert HouseholdCount.objects.filter(pk=count.pk).exists()
