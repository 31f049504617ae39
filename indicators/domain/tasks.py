"""Task progress: the occurrences of a plan's tasks, their status as entered, and what is overdue as of a day.

A one-off task has one occurrence (``""``), due at the end of its deadline period. A recurring task ("hàng
năm", "định kỳ 06 tháng") has one occurrence per year from its start to its deadline, named by the year, each
due at the end of its in-year period (``due_in_year``: ``Q1`` "quý I hàng năm", ``M06`` "cuối tháng 6", ``H1``;
``Q4-1`` "quý IV của năm trước": the period of the year before) or, without one, at the end of the year.

Status as entered: ``not_started``, ``in_progress``, ``done`` (with the day it was completed) and ``dropped``
(taken out of the plan, with a note): a dropped occurrence counts neither done nor due. What is known of an
occurrence on a day (``state``) says whether anyone reported on it:

- ``done``;
- ``in_progress``: a report was received, not done, not yet past due;
- ``late``: a report was received, not done, and the due day has passed ("quá hạn": only what is known to be late);
- ``not_reported``: due, and no report received ("chưa có báo cáo"): nothing is known, neither late nor on time;
- ``not_yet_due``: no report, and not yet due;
- ``dropped``.

Reporting completeness is the share of due occurrences (not dropped, due before the day) with a report. Pure
functions over frames; the reports use :func:`summary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.domain.periods import parse_period
from indicators.i18n import format_number, label

STATUSES = ("not_started", "in_progress", "done", "dropped")
# how a status may be written in a file: the codes, both languages' labels, folded
STATUS_WORDS = {"notstarted": "not_started", "chuabatdau": "not_started", "chuathuchien": "not_started",
                "inprogress": "in_progress", "dangthuchien": "in_progress", "done": "done",
                "hoanthanh": "done", "dahoanthanh": "done", "dropped": "dropped", "khongthuchien": "dropped",
                "dunglai": "dropped", "dung": "dropped"}


@dataclass(frozen=True)
class Occurrence:
    occurrence: str       # "" for a one-off task, the year for a recurring one
    start: date
    due: date


def occurrences(start_period: str, deadline_period: str, recurring: bool, due_in_year: str | None) -> list[Occurrence]:
    """The occurrences of one task (see the module docstring)."""
    start, deadline = parse_period(start_period), parse_period(deadline_period)
    if not recurring:
        return [Occurrence("", start.start, deadline.end)]
    out = []
    for year in range(start.start.year, deadline.end.year + 1):
        out.append(Occurrence(str(year), max(start.start, date(year, 1, 1)), due_in(year, due_in_year)))
    return out


def due_in(year: int, due_in_year: str | None) -> date:
    """The last day of the in-year period of ``year`` (``Q4-1``: of the year before)."""
    if not isinstance(due_in_year, str) or not due_in_year:   # None, or a frame's NaN
        return date(year, 12, 31)
    part, _, back = due_in_year.partition("-")
    target = year - int(back or 0)
    if part.startswith("M"):
        return parse_period(f"{target}-{part[1:]}").end
    return parse_period(f"{target}-{part}").end


def occurrence_table(tasks: pd.DataFrame, progress: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per task occurrence with its progress (``not_started`` where none was entered), its due day and
    whether it is overdue on ``as_of``. ``tasks`` as the store reads them; ``progress`` with plan_id, ref,
    occurrence, status, completed_on, evidence, evidence_date, note."""
    rows = []
    for task in tasks.to_dict("records"):
        for occ in occurrences(task["start_period"], task["deadline_period"], bool(task["recurring"]),
                               task.get("due_in_year")):
            rows.append({**task, "occurrence": occ.occurrence, "occurrence_start": occ.start, "due": occ.due})
    frame = pd.DataFrame(rows)
    columns = ["status", "completed_on", "evidence", "evidence_date", "progress_note", "progress_batch_id"]
    if not len(frame):
        return pd.DataFrame(columns=[*tasks.columns, "occurrence", "occurrence_start", "due", *columns, "reported",
                                     "past_due", "state", "overdue", "not_reported"])
    entered = progress.rename(columns={"note": "progress_note", "batch_id": "progress_batch_id"})
    entered = entered.reindex(columns=["plan_id", "ref", "occurrence", *columns])
    frame = frame.merge(entered, on=["plan_id", "ref", "occurrence"], how="left")
    frame["reported"] = frame["status"].notna()
    frame["status"] = frame["status"].fillna("not_started")
    past = pd.to_datetime(frame.due) < pd.Timestamp(as_of)
    frame["past_due"] = past
    frame["state"] = [state(st, rep, p) for st, rep, p in zip(frame.status, frame.reported, past)]
    frame["overdue"] = frame.state == "late"
    frame["not_reported"] = frame.state == "not_reported"
    return frame


STATES = ("late", "not_reported", "in_progress", "not_yet_due", "done", "dropped")   # the most urgent first


def state(status: str, reported: bool, past_due: bool) -> str:
    """What is known of one occurrence (see the module docstring)."""
    if status in ("done", "dropped"):
        return status
    if not reported:
        return "not_reported" if past_due else "not_yet_due"
    return "late" if past_due else "in_progress"


@dataclass(frozen=True)
class Summary:
    total: int          # occurrences not dropped
    done: int
    overdue: int        # late: reported, not done, past due
    in_progress: int    # reported, not done, not yet due
    not_reported: int = 0   # due, and no report received
    due: int = 0            # occurrences due before the day (not dropped)
    reported_due: int = 0   # of those, the ones with a report

    @property
    def share(self) -> float | None:
        return None if not self.total else 100 * self.done / self.total

    @property
    def completeness(self) -> float | None:
        """The share of due occurrences with a report (None when none is due yet)."""
        return None if not self.due else 100 * self.reported_due / self.due

    def sentence(self, lang: str) -> str:
        """One sentence that leads with what is not known: reports missing come before any count of progress."""
        share = "—" if self.share is None else percent_text(self.share, lang)
        if not self.total:
            return label("dom_tasks_none", lang)
        progress = label("dom_tasks_progress", lang, done=self.done, total=self.total, share=share,
                         overdue=self.overdue)
        if self.due and not self.reported_due:
            return label("dom_tasks_no_report", lang, due=self.due, progress=progress)
        if self.not_reported:
            return label("dom_tasks_some_reported", lang, reported=self.reported_due, due=self.due,
                         completeness=percent_text(self.completeness, lang), missing=self.not_reported,
                         progress=progress)
        return progress


def completeness_text(value: float | None, lang: str) -> str:
    """``87,5 %``; ``—`` where nothing is due yet (there is no share to give)."""
    return "—" if value is None or value != value else format_number(value, 1, lang, "percent")


def percent_text(value: float, lang: str) -> str:
    """``33,33 %`` / ``33.33 %``: a share as the sentences write it."""
    return format_number(value, 2, lang, "percent")


def summary(frame: pd.DataFrame) -> Summary:
    """Counts of an occurrence table (or any part of one)."""
    live = frame[frame.status != "dropped"] if len(frame) else frame
    if not len(live):
        return Summary(0, 0, 0, 0)
    due = live[live.past_due]
    return Summary(int(len(live)), int((live.state == "done").sum()), int((live.state == "late").sum()),
                   int((live.state == "in_progress").sum()), int((live.state == "not_reported").sum()),
                   int(len(due)), int(due.reported.sum()))


UNIT_COLUMNS = ["unit_code", "unit_name", "total", "done", "overdue", "not_reported", "due", "reported_due", "share",
                "completeness"]


def by_unit(frame: pd.DataFrame, unit_names: dict[str, str]) -> pd.DataFrame:
    """Progress per lead unit (a task with two leads counts for each): unit, name, total, done, overdue (known late),
    not reported, due, due with a report, share done and reporting completeness (None where nothing is due)."""
    if not len(frame):
        return pd.DataFrame(columns=UNIT_COLUMNS)
    needed = frame[["ref", "lead_unit_codes", "status", "overdue", "not_reported", "past_due", "reported"]]
    leads = needed.assign(unit_code=needed.lead_unit_codes.fillna("").str.split(";")).explode("unit_code")
    leads = leads[(leads.unit_code != "") & (leads.status != "dropped")]
    if not len(leads):
        return pd.DataFrame(columns=UNIT_COLUMNS)
    leads = leads.assign(reported_due=leads.past_due & leads.reported, is_done=leads.status == "done")
    out = leads.groupby("unit_code").agg(total=("ref", "size"), done=("is_done", "sum"),
                                         overdue=("overdue", "sum"), not_reported=("not_reported", "sum"),
                                         due=("past_due", "sum"), reported_due=("reported_due", "sum")).reset_index()
    for column in ("done", "overdue", "not_reported", "due", "reported_due"):
        out[column] = out[column].astype(int)
    out["share"] = 100 * out.done / out.total
    out["completeness"] = [None if not d else 100 * r / d for r, d in zip(out.reported_due, out.due)]
    out["unit_name"] = [unit_names.get(c, c) for c in out.unit_code]
    out = out.sort_values(["overdue", "not_reported", "share", "unit_code"], ascending=[False, False, True, True])
    return out.reset_index(drop=True)[UNIT_COLUMNS]
