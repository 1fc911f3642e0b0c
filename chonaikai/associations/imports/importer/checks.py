"""3. Checks against the register, the counts held and the policy; the preview's rows.

Part of the importer package (see its docstring); every name is re-exported there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from chonaikai.accounts import policy
from wards.models import Ward

from ... import code_format, rules, survey
from ...counts import flags
from ...models import Association, HouseholdCount, WardProgress
from ...rules import CountCheck, normalize_for_search
from ...templatetags.japanese import jdate
from .base import (
    APPROVED,
    LARGE_CHANGE,
    SUBMITTED,
    Col,
    Issue,
    ParsedFile,
    ParsedRow,
    Preview,
    PreviewRow,
    RowStatus,
    _error,
    _warning,
)
from .cells import _list_separator, _quoted

# ---------------------------------------------------------------------------------------------
# 3. Checking against the register and the policy
# ---------------------------------------------------------------------------------------------


def check_rows(
    parsed: ParsedFile,
    *,
    survey_date: dt.date,
    actor,
    ward: Ward | None = None,
    lock: bool = False,
    filename: str = "",
    reason: str = "",
) -> Preview:
    """Compare parsed rows with the register and the counts held for `survey_date`.

    `actor` None is a system import (the command line without --user): every ward is in scope.
    Otherwise a row is accepted only if policy.can_edit_counts(actor, its association's ward).
    `ward` restricts the import to one ward's associations. `lock` (inside the commit's
    transaction) takes row locks on the existing counts so that the values compared are the ones
    overwritten.

    A row that would change a count of a ward whose counts for `survey_date` are approved (survey
    rounds) is an error unless the actor is a city administrator (or the system) or gives a
    `reason`; then it is a warning, and the change is a new revision in the row history.

    Every row is also held to rules.check_count against the previous survey's count (as on the
    grid): members above households are an error, a change over rules.LARGE_CHANGE is an error
    unless the row's note (the file's, or the one held) or `reason` explains it, zero values are a
    warning. As on the grid, only figures that change are held to it; the others get warnings.

    Queries: one for the associations, one for the existing counts, two for the previous survey's
    date and counts, plus whatever the policy needs for the actor (its role, cached on the user
    object) — never one per row.
    """
    # Only well-formed codes can be registered ones (a malformed one is already its row's error).
    well_formed = code_format.code_re().fullmatch
    codes = {r.code for r in parsed.rows if r.code and well_formed(r.code)}
    associations = load_register(codes=codes, survey_date=survey_date)
    existing_qs = HouseholdCount.objects.filter(
        survey_date=survey_date, association_id__in=[a.id for a in associations.values()]
    ).values_list("association_id", "id", "households", "member_households", "note", "version")
    if lock:
        existing_qs = existing_qs.select_for_update()
    existing = {association_id: rest for association_id, *rest in existing_qs} if associations else {}
    previous = previous_counts(associations.values(), survey_date=survey_date)

    # Duplicate codes in linear time: one error per code, on its first row (its first places and
    # the total); each later row of the code gets a short issue of its own, kept off the file's list.
    positions: dict[str, list[ParsedRow]] = {}
    for r in parsed.rows:
        if r.code:
            positions.setdefault(r.code, []).append(r)

    checker = RowChecker(survey_date=survey_date, actor=actor, ward=ward, reason=reason)
    preview_rows = []
    issues = [*survey_date_issues(survey_date), *parsed.issues]
    for r in parsed.rows:
        row_issues = list(r.issues)
        repeat = None
        association = associations.get(r.code)
        duplicates = positions.get(r.code, ())
        if len(duplicates) > 1:
            if duplicates[0] is r:
                row_issues.append(duplicate_issue(r, duplicates))
            else:
                repeat = duplicate_repeat_issue(r, duplicates[0])
        current = existing.get(association.id) if association is not None else None
        before = previous.get(association.id) if association is not None else None
        check = checker.row_check(r, current, before) if association is not None else None
        checked = checker.issues(r, association, current, previous=before, check=check)
        if repeat is None:
            row_issues.extend(checked)
            issues.extend(row_issues)
        else:
            # A later row of a duplicated code: the code's one error (on its first row) refuses the
            # file; this row's own findings stay on its preview line, off the file's list, so that
            # 4,000 copies of a row give one error, not 4,000.
            issues.extend(row_issues)
            row_issues = [*r.issues, repeat, *checked]
        preview_rows.append(_preview_row(r, association, current, row_issues, previous=before, check=check))
    return Preview(
        survey_date=survey_date,
        rows=tuple(preview_rows),
        issues=tuple(issues),
        parsed=parsed,
        ward=ward,
        filename=filename,
    )


def survey_date_issues(survey_date: dt.date) -> list[Issue]:
    """An error when `survey_date` is not the city's survey day (survey.survey_day_error)."""
    error = survey.survey_day_error(survey_date)
    return [] if error is None else [_error(error)]


class Registered(NamedTuple):
    """An association as the checks need it: plain values (the fast import reads 300,000 at once)."""

    id: int
    code: str
    name: str
    status: str
    ended_on: dt.date | None
    ward: Ward  # with id, code and name only; one object per ward
    ward_locked: bool  # the ward's counts for the survey date are approved (survey rounds)
    ward_submitted: bool = False  # the ward has submitted its counts for the survey date (read-only)


def load_register(*, codes, survey_date: dt.date) -> dict[str, Registered]:
    """The associations with these codes, by code (one query)."""
    # Whether the association's ward is approved for this survey date: a subquery, not a query.
    progress = WardProgress.objects.filter(ward=OuterRef("ward"), survey_round__survey_date=survey_date)
    rows = (
        Association.objects.filter(code__in=codes)
        .annotate(
            ward_locked=Exists(progress.filter(status=WardProgress.Status.APPROVED)),
            ward_submitted=Exists(progress.filter(status=WardProgress.Status.SUBMITTED)),
        )
        .values_list(
            "id",
            "code",
            "name",
            "status",
            "ended_on",
            "ward_id",
            "ward__code",
            "ward__name",
            "ward_locked",
            "ward_submitted",
        )
    )
    wards: dict[int, Ward] = {}
    register = {}
    for pk, code, name, status, ended_on, ward_id, ward_code, ward_name, locked, submitted in rows:
        ward = wards.get(ward_id)
        if ward is None:
            ward = wards[ward_id] = Ward(id=ward_id, code=ward_code, name=ward_name)
        register[code] = Registered(pk, code, name, status, ended_on, ward, locked, submitted)
    return register


def previous_counts(associations, *, survey_date: dt.date) -> dict[int, tuple[int, int]]:
    """(households, members) of the previous survey (selectors.previous_survey_date), by association id."""
    from ...selectors import previous_survey_date

    ids = [a.id for a in associations]
    day = previous_survey_date(survey_date) if ids else None
    if day is None:
        return {}
    return {
        aid: (h, m)
        for aid, h, m in HouseholdCount.objects.filter(survey_date=day, association_id__in=ids).values_list(
            "association_id", "households", "member_households"
        )
    }


# Places a duplicate code's error lists; the rest are counted.
DUPLICATES_LISTED = 5


def duplicate_issue(r: ParsedRow, duplicates: Sequence[ParsedRow], total: int | None = None) -> Issue:
    """The one error of a code that is on several rows, on its first row `r`.

    `duplicates`: the code's rows in order (at least the first DUPLICATES_LISTED); `total`: how many
    there are (default len(duplicates)). The message lists the first DUPLICATES_LISTED places and
    the total, so it stays a line long however often the code repeats.
    """
    total = len(duplicates) if total is None else total
    places = _list_separator().join(_place(d) for d in duplicates[:DUPLICATES_LISTED])
    if total > DUPLICATES_LISTED:
        places += _("ほか%(more)s行") % {"more": f"{total - DUPLICATES_LISTED:,}"}
    return _error(
        _("町内会コード %(code)s が%(total)s行にあります（%(places)s）。1行にまとめてください。")
        % {"code": r.code, "total": f"{total:,}", "places": places},
        **r.where(Col.CODE),
    )


def duplicate_repeat_issue(r: ParsedRow, first: ParsedRow) -> Issue:
    """A later row of a duplicate code: its own short error (the preview row's), naming the first."""
    return _error(
        _("町内会コード %(code)s は%(first)sと重複しています。") % {"code": r.code, "first": _place(first)},
        **r.where(Col.CODE),
    )


class RowChecker:
    """The checks of one row against its association, the actor's scope and approved wards.

    check_rows and the fast import (services.counts_fast) both ask it, so that a file gets the same
    issues, in the same words, whichever path imports it. Duplicate codes are the callers' (only
    they see the whole file); so are the row's own parse issues.
    """

    def __init__(self, *, survey_date: dt.date, actor, ward: Ward | None = None, reason: str = ""):
        self.survey_date = survey_date
        self.actor = actor
        self.ward = ward
        self.reason = reason
        self._editable: dict[int, bool] = {}  # ward id → may the actor edit its counts (asked once per ward)

    def may_edit(self, w: Ward) -> bool:
        if w.pk not in self._editable:
            self._editable[w.pk] = self.actor is None or policy.can_edit_counts(self.actor, w)
        return self._editable[w.pk]

    def issues(
        self, r: ParsedRow, association: Registered | None, current, previous=None, *, check=None
    ) -> list[Issue]:
        """`current`: the count held (id, households, members, note, version), or None.

        `previous`: the previous survey's (households, members), or None; only check_rows passes it
        (the fast import does not compare with the previous survey yet).
        """
        if association is None:
            if r.code and code_format.is_association_code(r.code):
                return [
                    _error(
                        _("町内会コード %(code)s は登録されていません。") % {"code": r.code},
                        **r.where(Col.CODE),
                    )
                ]
            return []
        issues = _check_association(r, association, ward=self.ward, may_edit=self.may_edit)
        if association.ward_submitted and self.actor is not None and _would_change(r, current):
            issues.append(_submitted_issue(r, association, survey_date=self.survey_date))
        issues.extend(self.plausibility_issues(r, current, previous, check=check))
        if association.ward_locked and _would_change(r, current):
            issues.append(
                _locked_issue(
                    r, association, survey_date=self.survey_date, actor=self.actor, reason=self.reason
                )
            )
        return issues

    def row_check(self, r: ParsedRow, current, previous) -> CountCheck | None:
        """rules.check_count of the row's figures; the row's note (or the one held) or the reason explains."""
        if r.households is None or r.member_households is None:
            return None  # a cell that could not be read is the row's own error already
        note = r.note if r.note is not None else (current[3] if current is not None else "")
        return rules.check_count(
            r.households,
            r.member_households,
            previous_households=previous[0] if previous else None,
            previous_member_households=previous[1] if previous else None,
            reason=note or self.reason,
        )

    def plausibility_issues(self, r: ParsedRow, current, previous, *, check=None) -> list[Issue]:
        """The rule's flags as issues; `check`: the row's row_check, if the caller has it already."""
        check = check or self.row_check(r, current, previous)
        if check is None:
            return []
        # As on the grid: only figures that change are held to the rule; the others are told.
        changes = current is None or (r.households, r.member_households) != (current[1], current[2])
        noted = bool(r.note if r.note is not None else (current[3] if current is not None else ""))
        issues = []
        for flag in check.flags:
            column = Col.HOUSEHOLDS if rules.HOUSEHOLDS in flag.fields else Col.MEMBERS
            message = flags.flag_message(flag, check)
            if flag.code == rules.MEMBERS_OVER:
                make = _error if changes else _warning
                issues.append(make(message, **r.where(Col.MEMBERS)))
            elif flag.code == rules.LARGE_CHANGE_CODE:
                if flag.blocks and changes:
                    issues.append(
                        _error(
                            flags.join_sentences(
                                message, _("理由を備考欄に書くか、この取込の変更理由を入力してください。")
                            ),
                            **r.where(column),
                            code=LARGE_CHANGE,
                        )
                    )
                elif flag.explained:
                    issues.append(
                        _warning(
                            flags.join_sentences(message, _("理由: %(reason)s") % {"reason": check.reason}),
                            **r.where(column),
                            code="" if noted else LARGE_CHANGE,
                        )
                    )
                else:
                    issues.append(_warning(message, **r.where(column)))
            elif flag.code == rules.ZERO:
                issues.append(_warning(message, **r.where(column)))
        return issues


def asks_for_reason(preview: Preview, *, city_admin: bool) -> bool:
    """Whether the preview page asks for the import's reason (変更理由).

    For a change over rules.LARGE_CHANGE that no note explains (anyone), and for an approved
    ward's counts (ward staff; a city administrator needs none).
    """
    return preview.has_large_changes or (not city_admin and preview.changes_approved_ward)


def _submitted_issue(r: ParsedRow, association: Registered, *, survey_date: dt.date) -> Issue:
    return _error(
        _(
            "%(ward)sの%(date)s調査の世帯数は提出済みのため変更できません。"
            "変更するには提出を取り下げてください（市が承認・差し戻しをする前に限ります）。"
        )
        % {"ward": association.ward.name, "date": jdate(survey_date)},
        **r.where(Col.CODE),
        code=SUBMITTED,
    )


def _would_change(r: ParsedRow, current) -> bool:
    if current is None:
        return True
    _id, households, members, note, _version = current
    return (r.households, r.member_households) != (households, members) or (
        r.note is not None and r.note != note
    )


def _locked_issue(
    r: ParsedRow, association: Registered, *, survey_date: dt.date, actor, reason: str
) -> Issue:
    what = {"ward": association.ward.name, "date": jdate(survey_date)}
    if actor is None or policy.is_city_admin(actor) or reason.strip():
        return _warning(
            _("%(ward)sの%(date)s調査の世帯数は承認済みです。変更は新しい版として記録されます。") % what,
            **r.where(Col.CODE),
            code=APPROVED,
        )
    return _error(
        _(
            "%(ward)sの%(date)s調査の世帯数は承認済みのため、変更できません。"
            "変更が必要な場合は変更理由を入力するか、市の管理者に依頼してください。"
        )
        % what,
        **r.where(Col.CODE),
        code=APPROVED,
    )


def _place(row: ParsedRow) -> str:
    if row.sheet:
        return _("シート「%(sheet)s」%(row)s行目") % {"sheet": row.sheet, "row": row.row}
    return _("%(row)s行目") % {"row": row.row}


def _check_association(r: ParsedRow, association: Registered, *, ward, may_edit) -> list[Issue]:
    issues = []
    label = _("%(name)s（%(code)s）") % {"name": association.name, "code": association.code}
    if association.status != Association.Status.ACTIVE:
        status = Association.Status(association.status).label
        if association.ended_on:
            message = _(
                "%(association)sは「%(status)s」です（%(ended)s）。活動中でない町内会の世帯数は取り込めません。"
            ) % {"association": label, "status": status, "ended": jdate(association.ended_on)}
        else:
            message = _(
                "%(association)sは「%(status)s」です。活動中でない町内会の世帯数は取り込めません。"
            ) % {
                "association": label,
                "status": status,
            }
        issues.append(_error(message, **r.where(Col.CODE)))
    if ward is not None and association.ward.pk != ward.pk:
        issues.append(
            _error(
                _("%(association)sは%(ward)sの町内会です。この取込は%(only)sの町内会だけが対象です。")
                % {"association": label, "ward": association.ward.name, "only": ward.name},
                **r.where(Col.CODE),
            )
        )
    elif not may_edit(association.ward):
        issues.append(
            _error(
                _("%(association)sは%(ward)sの町内会です。%(ward)sの世帯数を取り込む権限がありません。")
                % {"association": label, "ward": association.ward.name},
                **r.where(Col.CODE),
            )
        )
    # Equal as written is equal once folded: fold only names that differ (most rows do not).
    if r.name != association.name and normalize_for_search(r.name) != normalize_for_search(association.name):
        issues.append(
            _warning(
                _(
                    "町内会名「%(name)s」が登録されている名前「%(registered)s」と一致しません。"
                    "町内会コードで取り込みます。"
                )
                % {"name": _quoted(r.name), "registered": association.name},
                **r.where(Col.NAME),
            )
        )
    return issues


def _preview_row(r: ParsedRow, association, current, row_issues, *, previous=None, check=None) -> PreviewRow:
    if association is None:
        return PreviewRow(source=r, status=RowStatus.ERROR, issues=tuple(row_issues))
    count_id = households = members = note = version = None
    if current is not None:
        count_id, households, members, note, version = current
    row = PreviewRow(
        source=r,
        status=RowStatus.ERROR,
        issues=tuple(row_issues),
        association_id=association.id,
        association_name=association.name,
        ward_code=association.ward.code,
        count_id=count_id,
        current_households=households,
        current_member_households=members,
        current_note=note,
        current_version=version,
        previous_households=previous[0] if previous else None,
        previous_member_households=previous[1] if previous else None,
        check=check,
    )
    if any(i.is_error for i in row_issues):
        status = RowStatus.ERROR
    elif count_id is None:
        status = RowStatus.NEW
    elif (r.households, r.member_households, row.note) == (households, members, note):
        status = RowStatus.UNCHANGED
    else:
        status = RowStatus.CHANGED
    return replace(row, status=status)
