"""A small city for the page tests: four associations in two wards, counted on two survey dates."""

import datetime as dt
from dataclasses import dataclass

import pytest

from chonaikai.associations.models import Association
from tests.factories import (
    AssociationFactory,
    DistrictFactory,
    FederationFactory,
    HouseholdCountFactory,
    ward,
)

PREVIOUS = dt.date(2024, 1, 1)  # 令和6年1月1日, 令和5年度
LATEST = dt.date(2025, 1, 1)  # 令和7年1月1日, 令和6年度


@dataclass
class City:
    odori: Association  # 中央区, in a district and a federation, counted twice
    kita: Association  # 北区, counted twice
    merged: Association  # 中央区, merged into odori, counted only on PREVIOUS
    sample: Association  # 中央区, sample data, counted only on LATEST


@pytest.fixture
def city(db) -> City:
    chuo, kita = ward("01101"), ward("01102")
    district = DistrictFactory(ward=chuo, code="D-ODORI", name="大通地区")
    federation = FederationFactory(ward=chuo, code="F-ODORI", name="大通連合町内会")
    odori = AssociationFactory(
        ward=chuo,
        district=district,
        federation=federation,
        name="大通東町内会",
        kana="おおどおりひがしちょうないかい",
        representative_name="大通 花子",
        contact_phone="011-111-2222",
        founded_on=dt.date(1965, 4, 1),
        is_authorized_body=True,
    )
    kita_assoc = AssociationFactory(ward=kita, name="北ノ森自治会", kana="きたのもりじちかい")
    merged = AssociationFactory(
        ward=chuo,
        name="旧大通西町内会",
        kana="きゅうおおどおりにしちょうないかい",
        status=Association.Status.MERGED,
        ended_on=dt.date(2024, 3, 31),
        successor=odori,
    )
    sample = AssociationFactory(ward=chuo, name="見本町内会", kana="みほんちょうないかい", is_sample=True)

    HouseholdCountFactory(association=odori, survey_date=PREVIOUS, households=200, member_households=150)
    HouseholdCountFactory(association=odori, survey_date=LATEST, households=210, member_households=147)
    HouseholdCountFactory(association=kita_assoc, survey_date=PREVIOUS, households=100, member_households=80)
    HouseholdCountFactory(association=kita_assoc, survey_date=LATEST, households=100, member_households=75)
    HouseholdCountFactory(association=merged, survey_date=PREVIOUS, households=50, member_households=40)
    HouseholdCountFactory(association=sample, survey_date=LATEST, households=40, member_households=20)
    return City(odori=odori, kita=kita_assoc, merged=merged, sample=sample)


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()
