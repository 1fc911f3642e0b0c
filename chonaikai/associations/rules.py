"""The one place for membership arithmetic, count plausibility checks and search normalisation.

Pure functions: no queries, no settings. Every page, API view, command and task that shows a
membership rate or checks a count calls these. Fiscal years and eras are in chonaikai.calendar.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import jaconv

# ---------------------------------------------------------------------------------------------
# Membership rate (加入率)
# ---------------------------------------------------------------------------------------------

RATE_QUANTUM = Decimal("0.01")


def membership_rate(member_households: int | None, households: int | None) -> Decimal | None:
    """加入率 in percent, rounded half-up to two decimals.

    Returns None ("no rate") when there are no households to divide by, or when either figure is
    missing. Member households may exceed households (some associations count businesses as
    members), so a rate above 100 is returned as is: the data-entry checks warn about it.
    """
    if member_households is None or households is None or households <= 0:
        return None
    if isinstance(member_households, int) and isinstance(households, int) and member_households >= 0:
        # The same value in integers: hundredths of a percent, rounded half up, made a Decimal of two
        # decimals. A third of the time of the Decimal division below, which the district and
        # federation statistics pay tens of thousands of times a call.
        return Decimal((member_households * 20000 + households) // (2 * households)).scaleb(-2)
    return (Decimal(member_households) * 100 / Decimal(households)).quantize(RATE_QUANTUM, ROUND_HALF_UP)


def rate_change(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Change in percentage points between two rates; None if either rate is missing."""
    if current is None or previous is None:
        return None
    return (current - previous).quantize(RATE_QUANTUM, ROUND_HALF_UP)


class Denominator:
    """Which households a rate divides by. The two are never mixed silently."""

    AREA = (
        "area_households"  # 区域内世帯数: households in the associations' areas (the city's published rate)
    )
    REGISTRY = "registry_households"  # 住民基本台帳世帯数: the ward's registry total


# ---------------------------------------------------------------------------------------------
# Plausibility checks of one association's count (the grid, the import, the API, the approval view)
# ---------------------------------------------------------------------------------------------

# A change of more than a fifth against the previous survey, in households or in members, needs a reason.
LARGE_CHANGE = Fraction(1, 5)

HOUSEHOLDS, MEMBERS = "households", "member_households"

# What a flag asks of the person entering the count.
REFUSED = "refused"  # cannot be saved as it is
NEEDS_REASON = "needs_reason"  # can be saved with a reason (the row's note, or the import's reason)
NOTICE = "notice"  # shown, never stops a save

# Flag codes. The grid, the import preview, the API and the approval view show these and only these.
MEMBERS_OVER = "members_over"  # 加入世帯数 > 区域内世帯数
INCOMPLETE = "incomplete"  # one of the two figures is missing
LARGE_CHANGE_CODE = "large_change"  # more than LARGE_CHANGE away from the previous survey
ZERO = "zero"  # a figure is 0
NO_COUNT = "no_count"  # the association has no count for the survey
FLAG_ORDER = (NO_COUNT, INCOMPLETE, MEMBERS_OVER, LARGE_CHANGE_CODE, ZERO)


def members_exceed_households(households: int, member_households: int) -> bool:
    """Members above households: refused by the plausibility checks (check_count)."""
    return member_households > households


def is_large_change(new: int, previous: int | None) -> bool:
    """More than LARGE_CHANGE away from the previous survey's figure (any change from 0 is large)."""
    if previous is None:
        return False
    # |new − previous| ÷ previous > n ÷ d, in integers (Fractions cost ~5 µs a row on big files);
    # from 0 any change is large, as 0 × n < |new| × d for every new ≠ 0.
    return abs(new - previous) * LARGE_CHANGE.denominator > previous * LARGE_CHANGE.numerator


def change_percent(new: int | None, previous: int | None) -> Decimal | None:
    """前回比 as a signed change in percent, one decimal (93 → 930: +900.0); None without a base."""
    if new is None or previous is None or previous == 0:
        return None
    return (Decimal(new - previous) * 100 / Decimal(previous)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """One figure of a count (households or members) against the previous survey's."""

    current: int | None  # 今回
    previous: int | None  # 前回

    @property
    def difference(self) -> int | None:
        """増減: None when either side is missing."""
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        """前回比 (signed percent change); None when either side is missing or the previous is 0."""
        return change_percent(self.current, self.previous)

    @property
    def large(self) -> bool:
        return self.current is not None and is_large_change(self.current, self.previous)


@dataclass(frozen=True)
class Flag:
    """One plausibility flag: what, how serious, which figures, and whether a reason was given."""

    code: str
    severity: str  # REFUSED, NEEDS_REASON or NOTICE
    fields: tuple[str, ...] = ()
    explained: bool = False  # NEEDS_REASON with a reason given

    @property
    def blocks(self) -> bool:
        return self.severity == REFUSED or (self.severity == NEEDS_REASON and not self.explained)


@dataclass(frozen=True)
class CountCheck:
    """A count's figures against the previous survey, and its plausibility flags."""

    households: Figure
    members: Figure
    flags: tuple[Flag, ...]
    reason: str = ""  # the note or reason that explains a NEEDS_REASON flag ("" if none)

    @property
    def rate(self) -> Decimal | None:
        return membership_rate(self.members.current, self.households.current)

    @property
    def previous_rate(self) -> Decimal | None:
        return membership_rate(self.members.previous, self.households.previous)

    @property
    def rate_change(self) -> Decimal | None:
        return rate_change(self.rate, self.previous_rate)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.flags)

    @property
    def blocking(self) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.blocks)

    def flag(self, code: str) -> Flag | None:
        return next((f for f in self.flags if f.code == code), None)


def check_count(
    households: int | None,
    member_households: int | None,
    *,
    previous_households: int | None = None,
    previous_member_households: int | None = None,
    reason: str = "",
) -> CountCheck:
    """The one plausibility rule for an association's count for a survey.

    - no figure at all: NO_COUNT (a notice: the association has not been counted);
    - one figure missing: INCOMPLETE (refused: both or neither);
    - members above households: MEMBERS_OVER (refused);
    - households or members more than LARGE_CHANGE away from the previous survey's (any change from
      0 counts): LARGE_CHANGE_CODE, which needs a reason; `reason` (the row's note, or the reason
      given for an import) explains it;
    - a figure of 0 (households, or members of a populated area): ZERO (a notice).

    Pure: the callers bring the previous survey's figures (None when there were none).
    """
    h, m = households, member_households
    reason = (reason or "").strip()
    check = {
        "households": Figure(h, previous_households),
        "members": Figure(m, previous_member_households),
    }
    flags: list[Flag] = []
    if h is None and m is None:
        flags.append(Flag(NO_COUNT, NOTICE))
        return CountCheck(**check, flags=tuple(flags))
    missing = tuple(name for name, value in ((HOUSEHOLDS, h), (MEMBERS, m)) if value is None)
    if missing:
        flags.append(Flag(INCOMPLETE, REFUSED, missing))
        return CountCheck(**check, flags=tuple(flags))
    if members_exceed_households(h, m):
        flags.append(Flag(MEMBERS_OVER, REFUSED, (MEMBERS,)))
    large = tuple(
        name
        for name, figure in ((HOUSEHOLDS, check["households"]), (MEMBERS, check["members"]))
        if figure.large
    )
    if large:
        flags.append(Flag(LARGE_CHANGE_CODE, NEEDS_REASON, large, explained=bool(reason)))
    zero = tuple(
        name
        for name, value in ((HOUSEHOLDS, h), (MEMBERS, m))
        if value == 0 and (name == HOUSEHOLDS or h > 0)
    )
    if zero:
        flags.append(Flag(ZERO, NOTICE, zero))
    return CountCheck(**check, flags=tuple(flags), reason=reason if large else "")


# ---------------------------------------------------------------------------------------------
# Search normalisation
# ---------------------------------------------------------------------------------------------


def normalize_for_search(text: str | None) -> str:
    """Fold the differences a searcher should not have to care about.

    NFKC folds full-width ASCII and digits and half-width katakana to their standard forms;
    hiragana becomes katakana; Latin letters are lower-cased; all white space (including the
    ideographic space) is removed. 「ﾁｮｳﾅｲｶｲ」, 「ちょうないかい」 and 「チョウナイカイ」 all give
    「チョウナイカイ」.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    folded = jaconv.hira2kata(folded).lower()
    return "".join(folded.split())


# ---------------------------------------------------------------------------------------------
# Progress toward a plan target (the dashboard's; pace and projections are in chonaikai.plan.rules)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetProgress:
    baseline: int
    target: int
    current: int
    gap: int  # still to gain; negative once the target is passed
    share_done: Decimal | None  # percent of the way from baseline to target, two decimals


def target_progress(*, baseline: int, target: int, current: int) -> TargetProgress:
    """How far `current` has come from `baseline` toward `target` (e.g. member households)."""
    span = target - baseline
    share = None
    if span:
        share = (Decimal(current - baseline) * 100 / Decimal(span)).quantize(RATE_QUANTUM, ROUND_HALF_UP)
    return TargetProgress(
        baseline=baseline, target=target, current=current, gap=target - current, share_done=share
    )
