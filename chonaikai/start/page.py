"""The start page (「あなたのやること」) each role lands on after logging in: what is waiting for the
user, each item linking to the screen where it is done.

Composes the domains' reads (associations.counts.selectors, subsidies.selectors.todo) for the user's
role (policy.role_of); holds no rule and no query of its own beyond theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.accounts import policy
from chonaikai.accounts.models import Role
from chonaikai.accounts.names import display_name
from chonaikai.associations.counts import selectors as selectors_rounds
from chonaikai.associations.templatetags.japanese import jdate
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.texts import labelled
from chonaikai.subsidies import selectors as subsidy_selectors
from chonaikai.subsidies import wording as subsidy_wording
from chonaikai.subsidies.selectors import todo as selectors_todo
from chonaikai.subsidies.workflow import Status


@dataclass(frozen=True)
class Item:
    """One thing to do (or to look at): the link's words, where it leads, and a line of detail."""

    label: str
    url: str
    detail: str = ""
    urgent: bool = False


@dataclass
class Section:
    heading: str
    items: list[Item] = field(default_factory=list)
    empty: str = ""  # said when there is nothing (「ありません」), so the user knows it was checked
    more_url: str = ""
    more_label: str = ""
    figures: list[tuple[str, str]] = field(default_factory=list)  # (term, value) shown as a list


@dataclass(frozen=True)
class StartPage:
    name: str  # display_name of the user
    role: str  # the role's label, or ""
    sections: list[Section]


def start_page(user) -> StartPage:
    """The sections for `user`'s role: city, ward staff, association leader, viewer or no role."""
    assignment = policy.role_of(user)
    if policy.is_city_admin(user):
        sections = _city_sections(user)
        role = str(Role.CITY_ADMIN.label)
    elif assignment is not None and assignment.role == Role.WARD_STAFF:
        sections = _ward_sections(user, assignment.ward)
        role = assignment.get_role_display()
    elif assignment is not None and assignment.role == Role.ASSOCIATION_LEADER:
        sections = _leader_sections(user, assignment.association)
        role = assignment.get_role_display()
    else:
        sections = _viewer_sections(user, has_role=assignment is not None)
        role = assignment.get_role_display() if assignment is not None else ""
    return StartPage(name=display_name(user), role=role, sections=sections)


def _days_left(deadline) -> str:
    days = (deadline - timezone.localdate()).days
    if days > 0:
        return _("あと%(days)s日") % {"days": days}
    if days == 0:
        return _("今日が期限です")
    return _("期限を%(days)s日過ぎています") % {"days": -days}


def _application_item(app, label: str, url_name: str = "subsidies:detail", *, urgent: bool = False) -> Item:
    return Item(
        urgent=urgent,
        label=label,
        url=reverse(url_name, args=[app.pk]),
        detail=_("%(number)s（%(association)s）— %(status)s")
        % {"number": app.number, "association": app.association.name, "status": app.get_status_display()},
    )


# What the ward's or the city's next step on an application is, by state.
def _staff_step(app, *, city: bool) -> str:
    if app.status == Status.SUBMITTED:
        return _("審査を始める")
    if app.status == Status.UNDER_REVIEW:
        return _("審査を終える（市へ進達か差戻し）")
    if app.status == Status.FORWARDED:
        return _("交付決定・不交付決定をする")
    if app.status == Status.COMPLETION_REPORTED:
        return _("実績報告を確認して額を確定する") if city else _("実績報告を確認する")
    if app.status == Status.CONFIRMED:
        return _("支払を記録する") if app.has_claim else _("請求書を待っています")
    return app.get_status_display()


def _applications_section(user, *, city: bool) -> Section:
    apps, total = selectors_todo.waiting_for(user=user)
    heading = (
        _("決定・確定・支払を待っている申請")
        if city
        else labelled(_("%(area_office)sの確認を待っている補助金の申請"))
    )
    section = Section(
        heading=heading,
        items=[_application_item(a, _staff_step(a, city=city)) for a in apps],
        empty=_("待っている申請はありません。"),
        more_url=reverse("subsidies:queue"),
        more_label=_("申請の一覧（%(count)s件）") % {"count": total},
    )
    return section


def _ward_sections(user, ward) -> list[Section]:
    counts = Section(heading=_("世帯数の調査（%(ward)s）") % {"ward": ward.name})
    submission = selectors_rounds.ward_round_todo(ward=ward)
    if submission is None:
        counts.empty = _("いま受け付けている世帯数の調査はありません。")
    else:
        survey_round = submission.progress.survey_round
        day = survey_round.survey_date.isoformat()
        progress = submission.progress
        counts.figures = [
            (_("調査基準日"), jdate(survey_round.survey_date)),
            (
                _("提出期限"),
                _("%(day)s（%(left)s）")
                % {"day": jdate(survey_round.deadline), "left": _days_left(survey_round.deadline)},
            ),
            (_("状況"), progress.state_label),
            (
                _("入力済み"),
                _("%(counted)s / %(active)s 町内会")
                % {"counted": submission.counted, "active": submission.active},
            ),
            (_("未入力"), _("%(count)s 町内会") % {"count": len(submission.missing)}),
            (_("確認が必要"), _("%(count)s 町内会") % {"count": len(submission.flagged)}),
        ]
        open_for_entry = progress.status in (progress.Status.NOT_STARTED, progress.Status.IN_PROGRESS)
        if open_for_entry:
            if progress.sent_back:
                detail = _("市から差し戻されました: %(comment)s") % {"comment": progress.comment or "—"}
            elif submission.missing or submission.flagged:
                detail = _("未入力 %(missing)s件、確認が必要 %(flagged)s件") % {
                    "missing": len(submission.missing),
                    "flagged": len(submission.flagged),
                }
            else:
                detail = _("すべて入力済みです。内容を確かめて提出してください。")
            counts.items.append(
                Item(
                    label=_("世帯数を入力する"),
                    url=reverse("associations:count_entry", args=[ward.code, day]),
                    detail=detail,
                    urgent=progress.sent_back or survey_round.deadline <= timezone.localdate(),
                )
            )
            counts.items.append(
                Item(
                    label=_("提出前の確認と提出"),
                    url=reverse("associations:count_submission", args=[day, ward.code]),
                )
            )
        else:
            counts.items.append(
                Item(
                    label=_("提出した内容を見る"),
                    url=reverse("associations:count_submission", args=[day, ward.code]),
                    detail=progress.state_label,
                )
            )
    return [counts, _applications_section(user, city=False)]


def _city_sections(user) -> list[Section]:
    wards = Section(
        heading=labelled(_("承認を待っている%(area)sの世帯数")),
        items=[
            Item(
                label=_("%(ward)s の提出を確認する") % {"ward": p.ward.name},
                url=reverse(
                    "associations:count_review", args=[p.survey_round.survey_date.isoformat(), p.ward.code]
                ),
                detail=_("%(day)s調査、提出 %(at)s")
                % {
                    "day": jdate(p.survey_round.survey_date),
                    "at": jdate(timezone.localtime(p.changed_at).date()) if p.changed_at else "—",
                },
            )
            for p in selectors_rounds.wards_awaiting_approval()
        ],
        empty=labelled(_("承認を待っている%(area)sはありません。")),
        more_url=reverse("associations:count_rounds"),
        more_label=_("調査の一覧"),
    )
    fiscal_year = fiscal_year_of(timezone.localdate())
    budget = Section(
        heading=_("補助金の予算の使用状況（%(year)s）")
        % {"year": subsidy_wording.fiscal_year_text(fiscal_year)},
        items=[
            Item(
                label=s.programme.name,
                url=reverse("subsidies:programme", args=[s.programme.pk]),
                detail=_budget_text(s),
            )
            for s in selectors_todo.budget_use(fiscal_year=fiscal_year)
        ],
        empty=_("今年度の補助金は登録されていません。"),
        more_url=reverse("subsidies:programmes"),
        more_label=_("制度と予算"),
    )
    return [wards, _applications_section(user, city=True), budget]


def _budget_text(summary) -> str:
    used = subsidy_wording.format_yen(summary.committed)
    if summary.budget is None:
        return _("使用 %(used)s（予算は未登録）") % {"used": used}
    return _("予算 %(budget)s のうち使用 %(used)s、残り %(remaining)s") % {
        "budget": subsidy_wording.format_yen(summary.budget),
        "used": used,
        "remaining": subsidy_wording.format_yen(summary.remaining),
    }


# What the association is asked to do, by state (the link's words and the screen). Lazy: translated
# in each request's language, not in the language of the request that first imported this module.
_ASKED = {
    Status.RETURNED: (gettext_lazy("申請を直して、もう一度提出する"), "subsidies:edit_purpose"),
    Status.APPROVED: (gettext_lazy("実績報告をする"), "subsidies:report"),
    Status.CONFIRMED: (gettext_lazy("請求書（振込先）を出す"), "subsidies:claim"),
}


def _leader_sections(user, association) -> list[Section]:
    mine = selectors_todo.leader_subsidies(user=user)
    asked = Section(
        heading=_("お願いしていること"),
        items=[
            _application_item(a, str(_ASKED[a.status][0]), _ASKED[a.status][1], urgent=True)
            for a in mine.asked
        ],
        empty=_("いまお願いしていることはありません。"),
    )
    drafts = Section(
        heading=_("書きかけの申請（下書き）"),
        items=[_application_item(a, _("続きを入力する"), "subsidies:edit_purpose") for a in mine.drafts],
        empty=_("下書きはありません。"),
    )
    status = Section(
        heading=_("申請の状況"),
        items=[
            Item(
                label=a.number,
                url=reverse("subsidies:detail", args=[a.pk]),
                detail=_("状況: %(status)s") % {"status": a.get_status_display()},
            )
            for a in mine.others
        ],
        # The applications above (asked, drafts) are not repeated here: with one of those and no
        # other, "none so far" would deny the one the leader has just read about.
        empty=_("ほかの申請はありません。")
        if mine.asked or mine.drafts
        else _("これまでの申請はありません。"),
        more_url=reverse("subsidies:home"),
        more_label=_("補助金の申請（いま申請できる補助金）"),
    )
    open_now = Section(
        heading=_("いま申請できる補助金"),
        items=[
            Item(
                label=p.name,
                url=reverse("subsidies:guide", args=[p.pk]),
                detail=_("受付は%(day)sまで") % {"day": jdate(p.closes_on)} if p.closes_on else "",
            )
            for p in subsidy_selectors.open_programmes(day=timezone.localdate())
        ],
        empty=_("いま受付中の補助金はありません。"),
    )
    return [asked, drafts, status, open_now]


def _viewer_sections(user, *, has_role: bool) -> list[Section]:
    links = [
        Item(label=_("加入状況のダッシュボード"), url=reverse("associations:dashboard")),
        Item(label=_("町内会一覧"), url=reverse("associations:list")),
        Item(label=labelled(_("%(area)s一覧")), url=reverse("wards:list")),
        Item(label=_("地図"), url="/maps/"),
    ]
    if has_role:
        links.append(Item(label=_("補助金の制度と予算"), url=reverse("subsidies:programmes")))
    section = Section(heading=_("見られるもの"), items=links)
    if has_role:
        return [section]
    notice = Section(
        heading=_("役割が登録されていません"),
        empty=labelled(
            _(
                "このアカウントにはまだ役割（%(area_office)s・町内会など）が登録されていません。市の担当者に連絡してください。"
            )
        ),
    )
    return [notice, section]
