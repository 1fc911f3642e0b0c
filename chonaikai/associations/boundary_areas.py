"""The associations as a boundary level: which areas an association boundary file may match.

Registered with the geography's boundary import (wards.boundaries.BOUNDARY_AREAS) when the app is
ready, because the geography knows no domain app (README, Architecture).
"""

from __future__ import annotations

from .models import Association


def association_areas() -> tuple[dict[str, str], set[str]]:
    """(code → name of every association, codes of the active ones).

    Every association may be matched (a dissolved one's area still draws earlier surveys); only
    the active ones are expected, i.e. reported when the file lacks them.
    """
    rows = list(Association.objects.values_list("code", "name", "status"))
    areas = {code: name for code, name, _status in rows}
    return areas, {code for code, _name, status in rows if status == Association.Status.ACTIVE}
