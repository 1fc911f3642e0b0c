"""Ward offices' yearly counts: the entry grid of one ward for one survey round.

Staff pages. City administrators see every ward; ward staff their own ward; anyone else gets 404
(and anonymous visitors the login page). Views parse input, call one selector or service, and
render; the checks and the approval lock are the services' (services.entry, services.rounds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.accounts import policy
from chonaikai.cities.current import labels
from chonaikai.cities.texts import labelled

from ... import rules, selectors, services
from ...widgets import association_search_text
from .. import selectors as selectors_rounds
from ..forms import (
    CountRowForm,
    GridReasonForm,
    count_row_initial,
)
from ..services import rounds as round_services
from ..services.entry import (
    CONFIRM,
    HOUSEHOLDS,
    MEMBERS,
    REASON,
    EntryIssue,
    entry_row_issues,
    submitted_issue,
)
from ..services.rounds import WITHDRAW, possible_actions
from .rounds import _survey_date_or_404

SAMPLE_SUFFIX = "（サンプル）"  # i18n: data (seed_demo's names carry it already)


# ---------------------------------------------------------------------------------------------
# The entry grid
# ---------------------------------------------------------------------------------------------


@dataclass
class GridLine:
    """One association's line: what the grid selector read, its form, and what to show beside it."""

    data: selectors_rounds.EntryGridRow
    form: CountRowForm | None  # None: a row not posted (unchanged), until the grid is shown again
    changed: bool = False
    newer: object = None  # the count someone else saved meanwhile (stale save refused)
    row_errors: list[str] = field(default_factory=list)

    @property
    def association(self):
        return self.data.association

    @cached_property
    def check(self):
        """The plausibility flags of the count held (rules.check_count), as the preview and the
        approval view show them (the grid's rows: templatetags.count_grid)."""
        return selectors_rounds.check_stored(self.data.current, self.data.previous)

    @property
    def show_confirm(self) -> bool:
        return CONFIRM in self.form.errors or bool(self.form.is_bound and self.form[CONFIRM].value())

    @property
    def row_error_id(self) -> str:
        return f"{self.form.prefix}-row-errors"

    @property
    def flagged(self) -> bool:
        """Whether the row needs a look (the grid's 「要確認」 filter shows these): a save refused for
        it, or a plausibility flag of the count held other than "no count" (the 「未入力」 filter's)."""
        if self.row_errors or (self.form.is_bound and self.form.errors):
            return True
        return any(flag.code != rules.NO_COUNT for flag in self.check.flags)

    @property
    def sample_mark(self) -> bool:
        """Show 「（サンプル）」 after the name (includes/sample_mark.html's rule, inlined for 300 rows)."""
        a = self.association
        return a.is_sample and SAMPLE_SUFFIX not in a.name

    @property
    def federation_name(self) -> str:
        federation = self.association.federation if self.association.federation_id else None
        return federation.name if federation else ""

    @property
    def search_text(self) -> str:
        """What the grid's filter box matches: code, name and kana."""
        return association_search_text(self.association)


def _row_form(row: selectors_rounds.EntryGridRow, data=None) -> CountRowForm:
    aid = row.association.pk
    describedby = {}
    if row.previous is not None:
        describedby = {HOUSEHOLDS: f"prev-{aid}-households", MEMBERS: f"prev-{aid}-members"}
    return CountRowForm(
        data, association=row.association, initial=count_row_initial(row.current), describedby=describedby
    )


def _pair(count) -> tuple[int, int] | None:
    return (count.households, count.member_households) if count is not None else None


# The page of the associations of no district / federation, in a large area's grid.
_UNASSIGNED_NAMES = {
    selectors.Level.DISTRICT: labelled(gettext_lazy("（%(district)sに属さない町内会）")),
    selectors.Level.FEDERATION: labelled(gettext_lazy("（%(federation)sに属さない町内会）")),
}


@dataclass
class GroupLink:
    group: selectors_rounds.EntryGroup
    name: str
    url: str
    current: bool


@dataclass
class GridPages:
    """A large area's grid, one district or federation at a time (settings.COUNTS_GRID_MAX_ROWS)."""

    level_label: str  # 地区 / 市民委員会 …: the profile's word for the groups
    links: list[GroupLink]
    shown: GroupLink

    @property
    def group(self) -> selectors_rounds.EntryGroup:
        return self.shown.group

    @property
    def active(self) -> int:
        """The whole area's figures: the page's progress is the area's, the group's beside it."""
        return sum(link.group.active for link in self.links)

    @property
    def counted(self) -> int:
        return sum(link.group.counted for link in self.links)

    @property
    def previous(self) -> GroupLink | None:
        index = self.links.index(self.shown)
        return self.links[index - 1] if index > 0 else None

    @property
    def next(self) -> GroupLink | None:
        index = self.links.index(self.shown)
        return self.links[index + 1] if index + 1 < len(self.links) else None


def _grid_pages(request, ward, day) -> GridPages | None:
    """The group the request shows (?group=<code>, "-" for the associations of none), or None when
    the area fits one page: then the grid is the whole area, as always. An unknown group is a 404.

    Without ?group= the first group with associations still to enter is shown (else the first). A
    save without ?group= (the page posts to its group; this is a page loaded before the area grew
    past the limit) is read against the whole area, so that no posted row is left out."""
    wanted = request.GET.get("group")
    if wanted is None and request.method == "POST":
        return None
    groups = selectors_rounds.count_entry_groups(ward=ward, survey_date=day)
    if sum(g.active for g in groups) <= settings.COUNTS_GRID_MAX_ROWS:
        return None
    level = groups[0].level
    words = labels()
    links = [
        GroupLink(
            group=g,
            name=str(_UNASSIGNED_NAMES[level]) if g.unassigned else g.name,
            url=f"{request.path}?{urlencode({'group': g.code})}",
            current=False,
        )
        for g in groups
    ]
    if wanted is None:
        shown = next((link for link in links if link.group.counted < link.group.active), links[0])
    else:
        shown = next((link for link in links if link.group.code == wanted), None)
        if shown is None:
            raise Http404("no such group in this area")
    shown.current = True
    return GridPages(
        level_label=words.district if level == selectors.Level.DISTRICT else words.federation,
        links=links,
        shown=shown,
    )


@login_required
def count_entry(request, ward_code: str, survey_date: str):
    day = _survey_date_or_404(survey_date)
    ward = policy.get_ward_for_edit(request.user, ward_code)
    # A large area: one group's rows are shown, posted and saved; the ward's state stays the area's.
    pages = _grid_pages(request, ward, day)
    grid = selectors_rounds.count_entry_grid(ward=ward, survey_date=day, group=pages.group if pages else None)
    if grid is None:
        raise Http404("no round for this survey date")
    locked = grid.progress.status == grid.progress.Status.APPROVED
    grid_errors: list[tuple[str, str]] = []  # (anchor id, message) for issues about the whole grid

    if request.method != "POST":
        lines = [GridLine(data=row, form=_row_form(row)) for row in grid.rows]
        reason_form = GridReasonForm()
        return _render_grid(
            request, grid, lines, reason_form, locked=locked, grid_errors=grid_errors, pages=pages
        )

    data = request.POST.copy()  # mutable: a refused stale row takes the newer version
    # The page's script posts only the rows that changed (each with its version and loaded values);
    # a row that was not posted at all is unchanged, and its form is only made if the grid is shown
    # again. Without the script every row is posted and compared with the values it was loaded with.
    lines = []
    for row in grid.rows:
        posted = f"a{row.association.pk}-version" in data
        line = GridLine(data=row, form=_row_form(row, data) if posted else None)
        line.changed = posted and line.form.user_changed()
        lines.append(line)
    changed = [line for line in lines if line.changed]
    reason_form = GridReasonForm(data)
    if changed and grid.progress.status == grid.progress.Status.SUBMITTED:
        # Read-only while submitted (the service refuses any change): the lock is the answer, alone,
        # whatever else is wrong with what was typed. The browser keeps the typed values as a draft.
        grid_errors.append(("", submitted_issue(ward, day).message))
        lines = [GridLine(data=row, form=_row_form(row)) for row in grid.rows]
        return _render_grid(
            request,
            grid,
            lines,
            GridReasonForm(),
            locked=locked,
            grid_errors=grid_errors,
            status=400,
            pages=pages,
        )
    parsed = [line.form.is_valid() for line in changed]  # every row, so every error is shown
    if all(parsed) and reason_form.is_valid():
        try:
            result = services.counts_grid_save(
                actor=request.user,
                ward_code=ward.code,
                survey_date=day,
                changes=[line.form.to_change() for line in changed],
                reason=reason_form.cleaned_data["reason"],
            )
        except services.CountsEntryRejected as rejected:
            _attach(rejected.issues, lines, reason_form, data, grid_errors)
        else:
            if result.created or result.updated:
                messages.success(
                    request,
                    _("保存しました（新規 %(created)s件、更新 %(updated)s件）。")
                    % {"created": result.created, "updated": result.updated},
                )
            else:
                messages.info(request, _("変更された値はありませんでした。"))
            return redirect(pages.shown.url if pages else request.path)
    else:
        # Parse errors: show the rules' checks of the rows that did parse as well, in one round trip.
        issues = []
        for line in changed:
            if line.form.is_valid():
                issues += entry_row_issues(
                    line.form.to_change(),
                    current=_pair(line.data.current),
                    previous=_pair(line.data.previous),
                )
        _attach(issues, lines, reason_form, data, grid_errors)
    # Rows the user did not touch are shown as they are now; edited rows keep the user's input.
    for line in lines:
        if not line.changed:
            line.form = _row_form(line.data)
    return _render_grid(
        request, grid, lines, reason_form, locked=locked, grid_errors=grid_errors, status=400, pages=pages
    )


def _attach(issues: list[EntryIssue], lines: list[GridLine], reason_form, data, grid_errors) -> None:
    by_id = {line.association.pk: line for line in lines}
    for issue in issues:
        line = by_id.get(issue.association_id)
        if issue.field == REASON:
            reason_form.add_error("reason", issue.message)
        elif line is None:
            grid_errors.append(("", issue.message))
        elif issue.code == "stale":
            line.row_errors.append(issue.message)
            line.newer = issue.newer
            if issue.newer is not None:
                # The user has now seen the newer count: saving again is a deliberate overwrite.
                prefix = line.form.prefix
                data[f"{prefix}-version"] = str(issue.newer.version)
                data[f"initial-{prefix}-households"] = str(issue.newer.households)
                data[f"initial-{prefix}-member_households"] = str(issue.newer.member_households)
                data[f"initial-{prefix}-note"] = issue.newer.note
        elif issue.field:
            line.form.add_error(issue.field, issue.message)
        else:
            line.row_errors.append(issue.message)


def _render_grid(request, grid, lines, reason_form, *, locked, grid_errors, status=200, pages=None):
    summary = list(grid_errors)
    progress = grid.progress
    submitted = progress.status == progress.Status.SUBMITTED
    for line in lines:
        form = line.form
        if submitted:
            form.make_read_only()
        if form.is_bound:
            form.mark_errors()
            if line.row_errors:
                for name in (HOUSEHOLDS, MEMBERS):
                    form.describe(name, line.row_error_id)
        name = line.association.name
        for message in line.row_errors:
            summary.append((form[HOUSEHOLDS].auto_id, f"{name}: {message}"))
        if form.is_bound:
            for message in form.non_field_errors():
                summary.append((form[HOUSEHOLDS].auto_id, f"{name}: {message}"))
            for field_name, errors in form.errors.items():
                if field_name in form.fields:
                    anchor = form[field_name if field_name != "version" else HOUSEHOLDS].auto_id
                    summary += [(anchor, f"{name}: {message}") for message in errors]
    if reason_form.is_bound and reason_form.errors.get("reason"):
        reason_id = reason_form["reason"].auto_id
        reason_form.fields["reason"].widget.attrs.update(
            {"aria-invalid": "true", "aria-describedby": f"{reason_id}_helptext {reason_id}-errors"}
        )
        summary += [(reason_id, message) for message in reason_form.errors["reason"]]
    return render(
        request,
        "counts/entry.html",
        {
            "grid": grid,
            "ward": grid.ward,
            "survey_round": grid.progress.survey_round,
            "lines": lines,
            "reason_form": reason_form,
            "locked": locked,
            # Submitted: read-only until the ward withdraws or the city sends back (services refuse saves).
            "submitted": submitted,
            "may_withdraw": submitted
            and WITHDRAW in possible_actions(progress.status)
            and round_services.may_act(request.user, WITHDRAW, grid.ward),
            "is_city_admin": policy.is_city_admin(request.user),
            "error_summary": summary,
            "grid_errors": grid_errors,
            # The federation filter, within the shown group; a page that is one federation needs none.
            "federations": []
            if pages and pages.group.level == selectors.Level.FEDERATION
            else sorted(
                {line.association.federation.name for line in lines if line.association.federation_id}
            ),
            "pages": pages,
        },
        status=status,
    )
