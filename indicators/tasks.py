"""Task progress: the occurrences of a plan's tasks, their status as entered, and what is overdue as of a day.

A one-off task has one occurrence (``""``), due at the end of its deadline period. A recurring task ("hàng
năm", "định kỳ 06 tháng") has one occurrence per year from its start to its deadline, named by the year, each
due at the end of its in-year period (``due_in_year``: ``Q1`` "quý I hàng năm", ``M06`` "cuối tháng 6", ``H1``;
``Q4-1`` "quý IV của năm trước": the period of the year before) or, without one, at the end of the year.

Status: ``not_started`` (also what a task with no progress entered has), ``in_progress``, ``done`` (with the
day it was completed) and ``dropped`` (taken out of the plan, with a note): a dropped occurrence counts neither
done nor due. Overdue: not done and not dropped, and due before the day asked about. Pure functions over
frames; the reports use :func:`summary` ("done 31 of 75 tasks (41,33 %), 6 overdue").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from .periods import parse_period

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
        return pd.DataFrame(columns=[*tasks.columns, "occurrence", "occurrence_start", "due", *columns, "overdue"])
    entered = progress.rename(columns={"note": "progress_note", "batch_id": "progress_batch_id"})
    entered = entered.reindex(columns=["plan_id", "ref", "occurrence", *columns])
    frame = frame.merge(entered, on=["plan_id", "ref", "occurrence"], how="left")
    frame["status"] = frame["status"].fillna("not_started")
    frame["overdue"] = ~frame.status.isin(["done", "dropped"]) & (pd.to_datetime(frame.due) < pd.Timestamp(as_of))
    return frame


@dataclass(frozen=True)
class Summary:
    total: int      # occurrences not dropped
    done: int
    overdue: int
    in_progress: int

    @property
    def share(self) -> float | None:
        return None if not self.total else 100 * self.done / self.total

    def sentence(self, lang: str) -> str:
        share = "—" if self.share is None else _percent(self.share, lang)
        if lang == "vi":
            return f"hoàn thành {self.done}/{self.total} nhiệm vụ ({share}), {self.overdue} quá hạn"
        return f"done {self.done} of {self.total} tasks ({share}), {self.overdue} overdue"


def _percent(value: float, lang: str) -> str:
    text = f"{value:.2f} %"
    return text.replace(".", ",") if lang == "vi" else text


def summary(frame: pd.DataFrame) -> Summary:
    """Counts of an occurrence table (or any part of one)."""
    live = frame[frame.status != "dropped"] if len(frame) else frame
    return Summary(int(len(live)), int((live.status == "done").sum()) if len(live) else 0,
                   int(live.overdue.sum()) if len(live) else 0,
                   int((live.status == "in_progress").sum()) if len(live) else 0)


def by_unit(frame: pd.DataFrame, unit_names: dict[str, str]) -> pd.DataFrame:
    """Progress per lead unit (a task with two leads counts for each): unit, name, total, done, overdue, share."""
    if not len(frame):
        return pd.DataFrame(columns=["unit_code", "unit_name", "total", "done", "overdue", "share"])
    leads = frame.assign(unit_code=frame.lead_unit_codes.fillna("").str.split(";")).explode("unit_code")
    leads = leads[(leads.unit_code != "") & (leads.status != "dropped")]
    out = leads.groupby("unit_code").agg(total=("ref", "size"), done=("status", lambda s: int((s == "done").sum())),
                                         overdue=("overdue", "sum")).reset_index()
    out["overdue"] = out.overdue.astype(int)
    out["share"] = 100 * out.done / out.total
    out["unit_name"] = out.unit_code.map(unit_names).fillna(out.unit_code)
    return out.sort_values(["overdue", "share", "unit_code"], ascending=[False, True, True]).reset_index(drop=True)
