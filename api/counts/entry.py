"""Counts entered through the API go through the entry grid's service (services.counts_grid_save).

So a count posted by a script gets exactly what one typed on the screen gets: the round must be
open for the survey date, the ward must be the actor's, optimistic locking on the count's version,
the checks of services.entry (members above households needs confirming, a large change needs a
note, approved wards need a reason), row history, the ward's progress and one audit event.

This module only turns API input into the service's CountChange rows and its refusals into API
errors; it holds no rule of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework import status

from chonaikai.associations import services, survey
from chonaikai.associations.models import Association, HouseholdCount, SurveyRound
from chonaikai.associations.templatetags.japanese import jdate

from ..errors import ApiError


@dataclass(frozen=True)
class EntryOutcome:
    status: str  # created | updated | unchanged


def no_round(survey_date: dt.date) -> ApiError:
    wrong_day = survey.survey_day_error(survey_date)
    return ApiError(
        wrong_day
        or _("%(date)sの調査は開始されていないため、世帯数を入力できません。") % {"date": jdate(survey_date)},
        extra={
            "fields": {
                "survey_date": [
                    _(
                        "調査が開始されている調査基準日を指定してください（過去の調査の世帯数は POST /api/v1/counts/import/ で取り込めます）。"
                    )
                ]
            }
        },
    )


def rejected(e: services.CountsEntryRejected, *, codes: dict[int, str]) -> ApiError:
    """The service's issues as an API error: 409 if a count moved on meanwhile, else 400."""
    errors, fields = [], {}
    for issue in e.issues:
        entry = {
            "message": issue.message,
            "association": codes.get(issue.association_id),
            "field": issue.field,
            "code": issue.code,
        }
        if issue.newer is not None:
            entry["current"] = {
                "households": issue.newer.households,
                "member_households": issue.newer.member_households,
                "note": issue.newer.note,
                "version": issue.newer.version,
            }
        errors.append(entry)
        if issue.field:
            fields.setdefault(issue.field, []).append(issue.message)
    stale = any(issue.code == "stale" for issue in e.issues)
    return ApiError(
        _("他の利用者が先に保存したため、保存しませんでした。最新の値を確かめてください。")
        if stale
        else _("世帯数を保存できませんでした。"),
        extra={"errors": errors, "fields": fields},
        status_code=status.HTTP_409_CONFLICT if stale else status.HTTP_400_BAD_REQUEST,
    )


def count_enter(
    *,
    actor,
    association: Association,
    survey_date: dt.date,
    households: int,
    member_households: int,
    note: str | None,
    version: int | None,
    confirm_members_over: bool,
    reason: str,
) -> EntryOutcome:
    """Save one count; ApiError when the service refuses it (nothing is written then).

    `note` None keeps the recorded note. `version` None means "whatever is recorded now": the
    caller chose to overwrite, so the current version is taken as the base.
    """
    if not SurveyRound.objects.filter(survey_date=survey_date).exists():
        raise no_round(survey_date)
    current = (
        HouseholdCount.objects.filter(association=association, survey_date=survey_date)
        .only("version", "note")
        .first()
    )
    change = services.CountChange(
        association_id=association.pk,
        households=households,
        member_households=member_households,
        note=note if note is not None else (current.note if current else ""),
        base_version=version if version is not None else (current.version if current else 0),
        confirm_members_over=confirm_members_over,
    )
    try:
        result = services.counts_grid_save(
            actor=actor,
            ward_code=association.ward.code,
            survey_date=survey_date,
            changes=[change],
            reason=reason,
        )
    except services.CountsEntryRejected as e:
        raise rejected(e, codes={association.pk: association.code}) from e
    outcome = "created" if result.created else "updated" if result.updated else "unchanged"
    return EntryOutcome(status=outcome)
