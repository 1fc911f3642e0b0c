"""Texts that name the city's levels and show its codes follow the loaded city (chonaikai.cities.texts).

The suite runs against Sapporo's profile; here the City row is changed to a city without wards (its
one area is the city itself, 「市」), as another profile would load it, and the same lazy texts,
API errors and command messages read the new words without a restart.
"""

import pytest
from django.utils.translation import gettext_lazy

from api.serializers import AREA_CODE_INVALID, ASSOCIATION_CODE_INVALID
from chonaikai.cities import current
from chonaikai.cities.models import City
from chonaikai.cities.texts import example_area_code, fill, labelled, words
from wards.models import Ward, WardTotal


@pytest.fixture
def city_without_wards(db):
    """The loaded city turned into one whose only area is the whole city (code 01204, 「市」)."""
    WardTotal.objects.all().delete()
    Ward.objects.all().delete()
    Ward.objects.create(code="01204", name="旭川市", kana="あさひかわし", romaji="Asahikawa-shi")
    city = City.objects.get()
    city.code, city.name = "01204", "旭川市"
    city.area_label, city.area_office_label, city.district_label = "市", "市役所", ""
    city.federation_label, city.department_short_name = "市民委員会", "市民協働推進課"
    city.save()  # forgets the cached row, as load_city's save does
    yield city
    current.forget()  # the transaction is rolled back: read the suite's city again


@pytest.mark.django_db
def test_the_loaded_profile_gives_the_words_and_examples():
    assert fill(gettext_lazy("%(area)sコードは5桁の数字です（例: %(area_code)s）。")) == (
        "区コードは5桁の数字です（例: 01101）。"
    )
    assert str(ASSOCIATION_CODE_INVALID) == "町内会コードは「区コード-番号」の形式です（例: 01101-0001）。"
    assert words()["district"] == "まちづくりセンター"


def test_lazy_texts_follow_a_city_loaded_after_import(city_without_wards):
    assert str(AREA_CODE_INVALID) == "市コードは5桁の数字です（例: 01204）。"
    assert str(ASSOCIATION_CODE_INVALID) == "町内会コードは「市コード-番号」の形式です（例: 01204-0001）。"
    assert str(labelled(gettext_lazy("%(district)s地区・%(federation)s"))) == "地区・市民委員会"
    assert words()["department"] == "市民協働推進課"


def test_api_errors_name_the_city_s_areas(city_without_wards, client):
    response = client.get("/api/v1/stats/membership/?level=ward&ward=99999")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["ward"] == ["市コード「99999」の市はありません。"]


def test_without_a_loaded_city_the_examples_are_fictional(db):
    City.objects.all().delete()
    try:
        assert example_area_code() == "12345"
        assert words()["association_code"] == "12345-0001"
        assert words()["area"] == "区"
    finally:
        current.forget()
