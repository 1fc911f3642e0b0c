"""factory_boy factories shared by the whole suite. Wards come from the data migration."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from chonaikai.associations.models import Association, Federation, HouseholdCount
from chonaikai.associations.stats.services import summaries_refresh
from wards.models import District, Ward


def ward(code: str = "01101") -> Ward:
    """One of the 10 wards loaded by the migration."""
    return Ward.objects.get(code=code)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"テスト地区{n}")
    ward = factory.LazyFunction(ward)


class FederationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Federation

    code = factory.Sequence(lambda n: f"F{n:04d}")
    name = factory.Sequence(lambda n: f"テスト連合町内会{n}")
    ward = factory.LazyFunction(ward)


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    ward = factory.LazyFunction(ward)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.ward.code}-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"テスト町内会{n}")
    kana = factory.Sequence(lambda n: f"てすとちょうないかい{n}")
    representative_name = "札幌 太郎"
    contact_phone = "011-000-0000"


class HouseholdCountFactory(factory.django.DjangoModelFactory):
    """A count written the way the services write one: with its ward summary refreshed."""

    class Meta:
        model = HouseholdCount

    association = factory.SubFactory(AssociationFactory)
    survey_date = dt.date(2023, 1, 1)
    households = 100
    member_households = 70

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        count = super()._create(model_class, *args, **kwargs)
        summaries_refresh([(count.association.ward_id, count.survey_date)])
        return count


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")
