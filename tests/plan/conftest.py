import datetime as dt

import pytest

from chonaikai.plan.models import Indicator

# A day in FY2025 (令和7年度): values may be recorded for FY2023–FY2025.
TODAY = dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_today():
    import time_machine

    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


@pytest.fixture
def wish_to_stay(db) -> Indicator:
    """76.2% in FY2022 → 80% in FY2028, one decimal (loaded by the data migration)."""
    return Indicator.objects.get(code="wish_to_stay")


@pytest.fixture
def groups(db) -> Indicator:
    """1,143 registered groups in FY2022 → 1,400 in FY2028, whole numbers."""
    return Indicator.objects.get(code="support_centre_groups")
