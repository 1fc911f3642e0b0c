"""A small register: associations of 中央区 and 北区 with counts on two survey dates."""

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

PREVIOUS = dt.date(2023, 1, 1)
LATEST = dt.date(2024, 1, 1)


@dataclass
class Register:
    a: Association  # 中央区 01101-0001
    b: Association  # 中央区 01101-0002
    c: Association  # 中央区 01101-0003
    kita: Association  # 北区 01102-0001


@pytest.fixture
def register(db) -> Register:
    chuo, kita = ward("01101"), ward("01102")
    a = AssociationFactory(ward=chuo, code="01101-0001", name="大通町内会", founded_on=dt.date(1970, 4, 1))
    b = AssociationFactory(ward=chuo, code="01101-0002", name="円山町内会")
    c = AssociationFactory(ward=chuo, code="01101-0003", name="桑園町内会")
    k = AssociationFactory(ward=kita, code="01102-0001", name="北町内会")
    for day, scale in ((PREVIOUS, 1), (LATEST, 2)):
        HouseholdCountFactory(
            association=a, survey_date=day, households=100 * scale, member_households=70 * scale
        )
        HouseholdCountFactory(
            association=b, survey_date=day, households=50 * scale, member_households=40 * scale
        )
        HouseholdCountFactory(
            association=c, survey_date=day, households=30 * scale, member_households=10 * scale
        )
        HouseholdCountFactory(
            association=k, survey_date=day, households=80 * scale, member_households=20 * scale
        )
    DistrictFactory(ward=chuo, code="D-CHUO", name="中央地区")
    DistrictFactory(ward=kita, code="D-KITA", name="北地区")
    FederationFactory(ward=chuo, code="F-CHUO", name="中央連合町内会")
    return Register(a=a, b=b, c=c, kita=k)
