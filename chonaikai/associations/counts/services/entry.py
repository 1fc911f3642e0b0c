"""Writes for household counts entered on the grid screen (one ward, one survey date, one POST).

The grid sends only the rows the user changed, each with the version of the count it was based
on. The save is all or nothing: any problem in any row raises CountsEntryRejected with every
issue, tied to its association and field, and nothing is written.

- Optimistic locking: the counts are locked (select_for_update) and a row whose count has moved
  on since the grid was loaded is refused, carrying the newer count for the screen to show.
- Checks (pure, in entry_row_issues, also used by the view before it calls the service): both
  numbers or neither; a count once entered cannot be emptied (counts are never deleted); then
  rules.check_count, the one plausibility rule: members above households are refused, a change of
  more than LARGE_CHANGE against the previous survey needs a reason in the note.
- After approval (services.rounds), only a city administrator, or anyone with a reason, may
  change the ward's counts; the reason goes to the audit event and the row history.

See the package docstring for the conventions every service follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.accounts import policy
from chonaikai.accounts.names import display_name
from chonaikai.audit.services import audit_record
from wards.models import Ward

from ... import rules, selectors
from ...imports.services.counts import CountValues, counts_write
from ...models import Association, HouseholdCount, WardProgress
from ...templatetags.japanese import jdate
from .. import flags

# Fields an issue can be tied to (the grid's input names).
HOUSEHOLDS, MEMBERS, NOTE, CONFIRM, REASON = (
    "households",
    "member_households",
    "note",
    "confirm_members_over",
    "reason",
)


@dataclass(frozen=True)
class CountChange:
    """One association's values as entered, and the version of the count the user saw (0: none)."""

    association_id: int
    households: int | None
    member_households: int | None
    note: str = ""
    base_version: int = 0
    confirm_members_over: bool = False


@dataclass(frozen=True)
class EntryIssue:
    """Why a save was refused: a message for the user, where it belongs, and what kind."""

    message: str
    association_id: int | None = None  # None: about the whole grid
    field: str = ""  # one of the field names above; "" for the row as a whole
    code: str = ""  # stale, incomplete, cleared, members_over, large_change, locked, submitted, not_in_ward
    newer: HouseholdCount | None = None  # for "stale": the count as it is now


class CountsEntryRejected(Exception):
    """Nothing was saved; `issues` say why, row by row."""

    def __init__(self, issues: Sequence[EntryIssue]):
        self.issues = list(issues)
        super().__init__(f"{len(self.issues)} issue(s); nothing was saved")


@dataclass(frozen=True)
class CountsEntryResult:
    created: int
    updated: int
    unchanged: int


# ---------------------------------------------------------------------------------------------
# Checks (pure)
# ---------------------------------------------------------------------------------------------


def entry_row_issues(
    change: CountChange,
    *,
    current: tuple[int, int] | None,
    previous: tuple[int, int] | None,
) -> list[EntryIssue]:
    """Problems of one row as entered. `current` and `previous`: (households, members) or None.

    The flags are rules.check_count's (the same as the import preview's and the approval view's);
    the row's note explains a large change. Only numbers that change are held to the checks, so a
    row saved with an explained change does not ask again when only its note is edited.
    """
    aid = change.association_id
    h, m = change.households, change.member_households
    if h is None and m is None:
        if current is not None:
            return [
                EntryIssue(
                    _(
                        "入力済みの世帯数は空欄にできません（世帯数の記録は削除できません）。値を入力してください。"
                    ),
                    aid,
                    HOUSEHOLDS,
                    "cleared",
                )
            ]
        return []
    check = rules.check_count(
        h,
        m,
        previous_households=previous[0] if previous else None,
        previous_member_households=previous[1] if previous else None,
        reason=change.note,
    )
    incomplete = check.flag(rules.INCOMPLETE)
    if incomplete is not None:
        return [
            EntryIssue(
                _("%(field)sが空欄です。区域内世帯数と加入世帯数は両方入力してください。")
                % {"field": flags.field_label(field)},
                aid,
                field,
                "incomplete",
            )
            for field in incomplete.fields
        ]
    if current is not None and (h, m) == current:
        return []
    issues = []
    for flag in check.blocking:
        if flag.code == rules.MEMBERS_OVER:
            issues.append(EntryIssue(flags.flag_message(flag, check), aid, MEMBERS, flag.code))
        elif flag.code == rules.LARGE_CHANGE_CODE:
            issues.append(
                EntryIssue(
                    flags.join_sentences(
                        flags.flag_message(flag, check), _("理由を備考に入力してください。")
                    ),
                    aid,
                    NOTE,
                    flag.code,
                )
            )
    return issues


# ---------------------------------------------------------------------------------------------
# The save
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def counts_grid_save(
    *,
    actor,
    ward_code: str,
    survey_date: dt.date,
    changes: Sequence[CountChange],
    reason: str = "",
) -> CountsEntryResult:
    """Save the rows of one ward's grid for `survey_date`: all of them, or none (CountsEntryRejected).

    Http404 when the ward is outside the actor's scope (policy.can_edit_counts) or has no round
    for the date. Creates and updates counts with source 画面入力, entered_by=actor, version + 1
    and a row-history revision each (reason as the change reason); unchanged rows are not
    written. The ward's progress moves from 未着手 to 入力中 with the first count. One audit event.

    Queries do not grow with the rows: ward, progress, associations, counts (locked), previous
    survey date and counts, then one bulk insert and one bulk update with their history inserts.
    """
    ward = Ward.objects.filter(code=ward_code).first()
    if ward is None or not (actor is None or policy.can_edit_counts(actor, ward)):
        raise Http404("no such ward in the actor's scope")
    progress = (
        WardProgress.objects.select_for_update(of=("self",))
        .select_related("survey_round")
        .filter(ward=ward, survey_round__survey_date=survey_date)
        .first()
    )
    if progress is None:
        raise Http404("no round for this survey date")
    ids = {c.association_id for c in changes}
    associations = {
        a.pk: a
        for a in Association.objects.active()
        .filter(ward=ward, pk__in=ids)
        .only("id", "code", "name", "ward_id")
    }
    current = {
        c.association_id: c
        for c in HouseholdCount.objects.select_for_update(of=("self",))
        .select_related("entered_by")
        .filter(association_id__in=ids, survey_date=survey_date)
    }
    previous_day = selectors.previous_survey_date(survey_date)
    previous = {}
    if previous_day is not None:
        previous = {
            aid: (h, m)
            for aid, h, m in HouseholdCount.objects.filter(
                association_id__in=ids, survey_date=previous_day
            ).values_list("association_id", "households", "member_households")
        }
    locked = progress.status == WardProgress.Status.APPROVED
    submitted = progress.status == WardProgress.Status.SUBMITTED and actor is not None
    reason = reason.strip()

    issues: list[EntryIssue] = []
    attempted = False  # any posted row that differs from the count held, valid or not
    writes: list[CountValues] = []
    for change in changes:
        aid = change.association_id
        if aid not in associations:
            issues.append(
                EntryIssue(
                    _("この町内会は%(ward)sの活動中の町内会ではありません。") % {"ward": ward.name},
                    aid,
                    "",
                    "not_in_ward",
                )
            )
            continue
        count = current.get(aid)
        held = (count.households, count.member_households, count.note) if count else (None, None, "")
        if (change.households, change.member_households, change.note) != held:
            attempted = True
        if (count.version if count else 0) != change.base_version:
            issues.append(_stale_issue(aid, count))
            continue
        values = (count.households, count.member_households) if count else None
        row_issues = entry_row_issues(change, current=values, previous=previous.get(aid))
        if row_issues:
            issues.extend(row_issues)
            continue
        if change.households is None:  # left empty, and nothing held: nothing to save
            continue
        new = (change.households, change.member_households, change.note)
        if count is not None and new == (count.households, count.member_households, count.note):
            continue
        writes.append(
            CountValues(
                association_id=aid,
                ward_id=ward.pk,
                survey_date=survey_date,
                households=change.households,
                member_households=change.member_households,
                note=change.note,
                base_version=count.version if count is not None else 0,
            )
        )

    if submitted and attempted:
        # Read-only while the city looks at the submission: the ward withdraws it, or the city sends
        # it back. The lock is the answer, alone: a row's own problems do not matter until then.
        raise CountsEntryRejected([submitted_issue(ward, survey_date)])
    if locked and attempted and not reason and not (actor is None or policy.is_city_admin(actor)):
        issues.insert(
            0,
            EntryIssue(
                _("%(ward)sの世帯数（%(date)s調査）は承認済みです。変更するには修正理由を入力してください。")
                % {"ward": ward.name, "date": jdate(survey_date)},
                None,
                REASON,
                "locked",
            ),
        )
    if issues:
        raise CountsEntryRejected(issues)

    try:
        with transaction.atomic():
            written = counts_write(
                actor=actor, rows=writes, source=HouseholdCount.Source.ENTRY, change_reason=reason
            )
    except IntegrityError as e:  # a count created by someone else since the counts were read
        raise CountsEntryRejected(
            [
                EntryIssue(
                    _(
                        "保存の間に他の利用者が同じ町内会の世帯数を登録しました。画面を開き直して確かめてください。"
                    ),
                    code="stale",
                )
            ]
        ) from e
    creates, updates = written.created, written.updated
    if creates or updates:
        audit_record(
            actor=actor,
            action="counts.entered",
            subject=ward,
            after={
                "survey_date": survey_date.isoformat(),
                "created": len(creates),
                "updated": len(updates),
                "associations": sorted(associations[c.association_id].code for c in creates + updates),
                "after_approval": locked,
            },
            comment=reason,
        )
    return CountsEntryResult(
        created=len(creates), updated=len(updates), unchanged=len(changes) - len(creates) - len(updates)
    )


def submitted_issue(ward: Ward, survey_date: dt.date) -> EntryIssue:
    """The refusal of a change to the counts of a ward that has submitted them (code "submitted")."""
    return EntryIssue(
        _(
            "%(ward)sの世帯数（%(date)s調査）は提出済みのため変更できません。"
            "変更するには提出を取り下げてください（市が承認・差し戻しをする前に限ります）。"
        )
        % {"ward": ward.name, "date": jdate(survey_date)},
        None,
        "",
        "submitted",
    )


def _stale_issue(association_id: int, newer: HouseholdCount | None) -> EntryIssue:
    if newer is None:  # cannot happen while counts are never deleted; refuse rather than guess
        message = _("この町内会の世帯数は画面を開いた後に変更されました。画面を開き直してください。")
    else:
        who = display_name(newer.entered_by) if newer.entered_by else _("他の利用者")
        entered = timezone.localtime(newer.entered_at)
        when = f"{jdate(entered)} {entered:%H:%M}"
        message = _(
            "画面を開いた後に %(who)s さんが %(when)s にこの町内会の世帯数を保存しています"
            "（最新の値: 区域内世帯数 %(households)s、加入世帯数 %(members)s）。"
            "上書きしないよう、保存しませんでした。最新の値を確かめ、必要ならもう一度保存してください。"
        ) % {
            "who": who,
            "when": when,
            "households": f"{newer.households:,}",
            "members": f"{newer.member_households:,}",
        }
    return EntryIssue(message, association_id, "", "stale", newer=newer)
