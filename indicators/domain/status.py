"""Status rules: how a target stands against the actuals, as of a period.

Pure functions, no database. The rules (also in the README):

* ``not_due``   – the period judged ends before the target starts.
* ``no_data``   – no actual to judge by.
* ``achieved``  – the latest actual meets the target.
* ``missed``    – the deadline has passed and the latest actual up to the
  deadline does not meet the target: final, like ``achieved`` (a target
  whose deadline has passed is achieved or missed, never "off track").
* ``off_track`` – still running, and the latest actual has made less than
  half the progress a straight line from the baseline to the target would
  have made by then.
* ``at_risk``   – not met, deadline ahead, behind the straight line but with
  at least half its progress; also when there is no baseline to draw the
  line from, or when an earlier figure met the target and the latest slipped.
* ``on_track``  – not met yet, but at or ahead of the straight line.

Recurring targets ("hằng năm", "luôn") are judged year by year, each year on
its own figure; a year judged on a part-year figure that misses is
``at_risk``, on a full-year figure (the year is over) ``missed``. Ranks are lower-is-better;
a range is met inside it (and beyond it on the better side).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Sequence

from indicators.domain.periods import Period, parse_period, year_fraction


class Status(str, Enum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    MISSED = "missed"
    NOT_DUE = "not_due"
    NO_DATA = "no_data"

    def __str__(self) -> str:
        return self.value


COMPARATORS = (">=", ">", "<=", "<", "between", "rank<=")
# the statuses, the most urgent first: how counts, tables and summaries list them
STATUS_ORDER = ("missed", "off_track", "at_risk", "no_data", "on_track", "not_due", "achieved")
_AHEAD_SHARE = 0.5  # share of the expected progress below which a target is off track


@dataclass(frozen=True)
class TargetRule:
    """What the status rules need to know of a target."""

    comparator: str
    value: float
    start: Period
    deadline: Period
    value_high: float | None = None
    higher_is_better: bool = True  # the indicator's direction; used for ranges only
    recurring: bool = False
    baseline_period: Period | None = None
    baseline_value: float | None = None

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"unknown comparator {self.comparator!r}")
        if self.comparator == "between" and (self.value_high is None or self.value_high < self.value):
            raise ValueError("a range needs value_high >= value")

    @property
    def better_up(self) -> bool:
        """True when a larger actual is closer to meeting the target."""
        if self.comparator in (">=", ">"):
            return True
        if self.comparator in ("<=", "<", "rank<="):
            return False
        return self.higher_is_better

    @property
    def goal(self) -> float:
        """The bound an actual has to reach, on its way from the worse side."""
        if self.comparator == "between":
            return self.value if self.better_up else float(self.value_high)
        return self.value


@dataclass(frozen=True)
class Observation:
    period: Period
    value: float


@dataclass(frozen=True)
class Judgement:
    status: Status
    period: Period | None = None  # the period of the actual judged
    value: float | None = None
    expected: float | None = None  # the straight-line value at that period, if any


def meets(rule: TargetRule, value: float) -> bool:
    """Whether one actual meets the target."""
    c, v = rule.comparator, rule.value
    if c == ">=":
        return value >= v
    if c == ">":
        return value > v
    if c in ("<=", "rank<="):
        return value <= v
    if c == "<":
        return value < v
    low, high = v, float(rule.value_high)
    if low <= value <= high:
        return True
    return value > high if rule.better_up else value < low


def _latest(observations: Iterable[Observation], until: Period | None = None,
            year: int | None = None) -> Observation | None:
    chosen = None
    for obs in observations:
        if until is not None and obs.period.end > until.end:
            continue
        if year is not None and obs.period.last_year != year:
            continue
        if obs.period.kind == "span":
            continue
        if chosen is None or obs.period.end > chosen.period.end:
            chosen = obs
    return chosen


def judge_year(rule: TargetRule, observations: Sequence[Observation], year: int) -> Judgement:
    """Judge one year of a recurring target on that year's own figure."""
    if year < rule.start.start.year or year > rule.deadline.last_year:
        return Judgement(Status.NOT_DUE)
    obs = _latest(observations, year=year)
    if obs is None:
        return Judgement(Status.NO_DATA)
    if meets(rule, obs.value):
        return Judgement(Status.ACHIEVED, obs.period, obs.value)
    status = Status.MISSED if obs.period.closes_year else Status.AT_RISK
    return Judgement(status, obs.period, obs.value)


def judge_years(rule: TargetRule, observations: Sequence[Observation],
                as_of: Period | str | int) -> list[tuple[int, Judgement]]:
    """Year-by-year judgements from the start year to the as-of year (capped at the deadline)."""
    as_of = _as_period(as_of)
    last = min(as_of.last_year, rule.deadline.last_year)
    return [(y, judge_year(rule, observations, y)) for y in range(rule.start.start.year, last + 1)]


def judge(rule: TargetRule, observations: Sequence[Observation],
          as_of: Period | str | int) -> Judgement:
    """The status of a target as of the end of ``as_of``."""
    as_of = _as_period(as_of)
    if as_of.end < rule.start.start:
        return Judgement(Status.NOT_DUE)
    if rule.recurring:
        return judge_year(rule, observations, min(as_of.last_year, rule.deadline.last_year))

    window_end = as_of if as_of.end <= rule.deadline.end else rule.deadline
    latest = _latest(observations, until=window_end)
    if latest is None:
        return Judgement(Status.NO_DATA)
    if meets(rule, latest.value):
        return Judgement(Status.ACHIEVED, latest.period, latest.value)
    if as_of.end >= rule.deadline.end:
        return Judgement(Status.MISSED, latest.period, latest.value)
    return _judge_progress(rule, observations, latest)


def _judge_progress(rule: TargetRule, observations: Sequence[Observation],
                    latest: Observation) -> Judgement:
    base = _baseline(rule, observations, latest)
    if base is None:
        return Judgement(Status.AT_RISK, latest.period, latest.value)
    base_t, base_v = base
    sign = 1.0 if rule.better_up else -1.0
    if meets(rule, base_v):  # it was met before and has slipped since
        return Judgement(Status.AT_RISK, latest.period, latest.value)
    t_latest = year_fraction(latest.period.end)
    t_deadline = year_fraction(rule.deadline.end)
    share = 1.0 if t_deadline <= base_t else min(max((t_latest - base_t) / (t_deadline - base_t), 0.0), 1.0)
    expected = base_v + (rule.goal - base_v) * share
    progress = sign * (latest.value - base_v)
    expected_progress = sign * (expected - base_v)
    if progress >= expected_progress:
        status = Status.ON_TRACK
    elif progress >= _AHEAD_SHARE * expected_progress:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    return Judgement(status, latest.period, latest.value, expected)


def _baseline(rule: TargetRule, observations: Sequence[Observation],
              latest: Observation) -> tuple[float, float] | None:
    """The baseline (as decimal year, value).

    The target's own baseline when the plan gives one; otherwise the last
    actual before the target starts (where the province stood when the plan
    began), or failing that the earliest actual before the latest one.
    """
    if rule.baseline_period is not None and rule.baseline_value is not None:
        return year_fraction(rule.baseline_period.end), rule.baseline_value
    earlier = [o for o in observations if o.period.kind != "span" and o.period.end < latest.period.end]
    if not earlier:
        return None
    before_start = [o for o in earlier if o.period.end < rule.start.start]
    base = max(before_start, key=lambda o: o.period.end) if before_start else min(earlier, key=lambda o: o.period.end)
    return year_fraction(base.period.end), base.value


def _as_period(value: Period | str | int) -> Period:
    return value if isinstance(value, Period) else parse_period(value)
