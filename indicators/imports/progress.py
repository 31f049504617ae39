"""The task-progress layout: the status of each task occurrence, entered by a file, the page's form, or an
edited ``python -m indicators export tasks`` (which imports back as it was).

Columns (Vietnamese or English headers): ``plan`` (id or number), ``ref`` and ``status`` (a code or its label
in either language: ``done`` / ``hoàn thành``), and optionally ``occurrence`` (the year, for a task that recurs;
blank for a one-off task), ``completed_on`` (needed when done, never after today), ``evidence`` (the document
that shows it, e.g. "Báo cáo 123/BC-SNV"), ``evidence_date``, ``note`` (needed when dropped). The other
columns ``export tasks`` writes are read as information only. A row equal to what is stored (or
``not_started`` where nothing is) is unchanged; a row that changes stored progress needs ``replace``, as
everywhere in the engine. History keeps the whole row, old and new, as JSON.

Who may write: an analyst for any task; a reporter (:mod:`indicators.services.auth`) only the tasks its own unit leads
(or a unit it succeeded, as a department of the new province after the 2025 merger), checked in the commit's
transaction against the account as stored then. A row whose occurrence falls in a locked period of the plan's
province is refused.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, ClassVar

import pandas as pd

from indicators.domain.tasks import STATUS_WORDS, occurrences
from indicators.domain.text import fold_ascii
from indicators.domain.units import DEPARTMENT_KINDS, lineage
from indicators.i18n import N_, bilingual, label
from indicators.services.auth import PermissionDenied, User

from ..storage import ConflictError, Session, Store
from .base import Context, Preview, find_plan, plan_key, refuse_if_changed_later
from .table import Problem, RowCells, Table, header_key, repeated_columns, role_of, unknown_headers
from .writing import Writing, changed_rows, nothing_changed

PROGRESS_ALIASES: dict[str, set[str]] = {
    "plan": {"plan", "planid", "plannumber", "kehoach", "sokehoach"},
    "ref": {"ref", "stt", "muc", "manhiemvu", "sothutu"},
    "occurrence": {"occurrence", "lan", "nam", "namthuchien"},
    "status": {"status", "trangthai", "tinhtrang", "tiendo"},
    "completed_on": {"completedon", "ngayhoanthanh"},
    "evidence": {"evidence", "minhchung", "vanbanminhchung", "sovanban"},
    "evidence_date": {"evidencedate", "ngayvanban", "ngayminhchung"},
    "note": {"note", "ghichu"},
    # what `export tasks` writes beside them: information only
    "info": {"task", "nhiemvu", "leadunitcode", "leadunitname", "partnerunitcodes", "deadlineperiod", "recurring",
             "due", "overdue", "province", "provincecode", "provincename", "lead", "partners", "startperiod",
             "duein", "deadline", "hanchot", "state", "notreported", "tinhtrangtheobaocao"},
}
REQUIRED = ("plan", "ref", "status")
FIELDS = ("status", "completed_on", "evidence", "evidence_date", "note")


def progress_role(key: str) -> str | None:
    return role_of(key, PROGRESS_ALIASES)


class ProgressLayout:
    kind: ClassVar[str] = "progress"
    writer: ClassVar[str] = "reporter"
    would_change: ClassVar[str] = N_("imp_progress_would_change")

    def recognises(self, keys: list[str]) -> bool:
        return set(REQUIRED) <= {progress_role(k) for k in keys}

    def header_problems(self, header: list[str], row: int) -> list[Problem]:
        return unknown_headers(header, row, progress_role)

    def check(self, store: Store, context: Context, table: Table, result: Preview) -> None:
        result.kind, result.layout = "progress", "progress"
        roles = [progress_role(header_key(h)) for h in table.header]
        for problem in repeated_columns(table, [r if r != "info" else None for r in roles]):
            result.add(problem)
        if not result.ok:
            return
        sheet = _Sheet(store, context.today, table, {r: roles.index(r) for r in PROGRESS_ALIASES if r in roles})
        records = [record for row_no, cells in table.rows if (record := sheet.row(row_no, cells, result))]
        if not records and result.ok:
            result.add(Problem(*bilingual("imp_no_progress_rows"), row=table.header_row))
        if not result.ok:
            return
        frame = pd.DataFrame.from_records(records)
        for row, _period, locked, by, at in store.locked_rows(frame):
            result.add(Problem(label("imp_progress_locked", "vi", period=locked, by=by, at=f"{at:%d/%m/%Y}"),
                               label("imp_progress_locked", "en", period=locked, by=by, at=f"{at:%Y-%m-%d}"), row=row))
        if result.ok:
            result.diff = _compare(store, frame)

    def nothing_to_write(self, result: Preview) -> bool:
        return nothing_changed(result)

    def prepare(self, tx: Session, result: Preview, acting: User) -> Writing:
        to_write = changed_rows(result)
        if not acting.can("analyst"):
            _check_scope(tx, acting, to_write)
        stored = _stored(tx)
        for r in to_write.to_dict("records"):
            key = (r["plan_id"], r["ref"], r["occurrence"])
            if _as_row(stored.get(key)) != r["old_json"]:
                raise ConflictError(*bilingual("imp_progress_changed_since_preview"))
        return Writing(to_write, result.counts["unchanged"], source=f"task progress {result.file_name}",
                       note="task progress", carried=stored)

    def write(self, tx: Session, writing: Writing, batch_id: int, acting: User, now: datetime) -> None:
        for r in writing.rows.to_dict("records"):
            key = (r["plan_id"], r["ref"], r["occurrence"])
            old = writing.carried.get(key)
            old_json = json.dumps({"row": _jsonable(old), "batch_id": old["batch_id"]}, ensure_ascii=False) \
                if old else None
            values = _values(r)
            tx.write_progress(key, values, old, batch_id, old_json,
                              json.dumps(_jsonable(values), ensure_ascii=False), acting.name, now)

    def undo(self, tx: Session, batch_id: int, acting: User, now: datetime) -> int:
        refuse_if_changed_later(tx.later_progress_batches(batch_id), *bilingual("imp_this_progress"))
        entries = tx.progress_entries(batch_id)
        for _action, plan_id, ref, occurrence, old_row in entries:
            old = json.loads(old_row) if old_row else None
            if old:
                old["row"] = {k: (date.fromisoformat(v) if k in ("completed_on", "evidence_date") and v else v)
                              for k, v in old["row"].items()}
            tx.restore_progress(batch_id, (plan_id, ref, occurrence), old, acting.name, now)
        return len(entries)


LAYOUT = ProgressLayout()


def _jsonable(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: (row[k].isoformat() if isinstance(row.get(k), date) else row.get(k)) for k in FIELDS}


def _as_row(stored: dict[str, Any] | None) -> str | None:
    """What the preview saw stored for a key (the commit refuses if it changed since)."""
    return None if stored is None else json.dumps(_jsonable(stored), ensure_ascii=False, sort_keys=True)


def _stored(store) -> dict[tuple[str, str, str], dict[str, Any]]:
    frame = store.task_progress()
    rows = {}
    for r in frame.to_dict("records"):
        for k in ("completed_on", "evidence_date"):
            r[k] = None if pd.isna(r[k]) else pd.Timestamp(r[k]).date()
        for k in ("evidence", "note"):
            r[k] = None if pd.isna(r[k]) else r[k]
        rows[(r["plan_id"], r["ref"], r["occurrence"])] = r
    return rows


def _values(r: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a checked row (whose task status is ``progress_status``: the engine's ``status`` is
    the row's insert / change / unchanged), blanks as None (a frame turns a missing day into NaT)."""
    return {"status": r["progress_status"], **{k: _clean(r[k]) for k in FIELDS[1:]}}


def _clean(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _compare(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    stored = _stored(store)
    statuses, olds, old_status = [], [], []
    for r in frame.to_dict("records"):
        old = stored.get((r["plan_id"], r["ref"], r["occurrence"]))
        new = _values(r)
        olds.append(_as_row(old))
        old_status.append(old["status"] if old else None)
        if old is None:
            blank = new["status"] == "not_started" and not any(new[k] for k in FIELDS[1:])
            statuses.append("unchanged" if blank else "insert")
        else:
            statuses.append("unchanged" if all(new[k] == old[k] for k in FIELDS) else "change")
    return frame.assign(status=statuses, old_json=olds, old_status=old_status)


def _check_scope(tx: Session, acting: User, rows: pd.DataFrame) -> None:
    """A reporter writes only the tasks its unit leads (or a unit it succeeded)."""
    if acting.unit is None:
        raise PermissionDenied(*bilingual("imp_reporter_without_unit"))
    allowed = _predecessors(tx, acting.unit)
    tasks = tx.tasks().set_index(["plan_id", "ref"])
    for r in rows.to_dict("records"):
        task = tasks.loc[(r["plan_id"], r["ref"])]
        leads = {(task.province_code, pd.Timestamp(task.province_valid_from).date(), code)
                 for code in str(task.lead_unit_codes or "").split(";") if code}
        if not leads & allowed:
            raise PermissionDenied(*bilingual("imp_task_not_led", row=r["row"], ref=r["ref"], unit=acting.unit[2]))


def check_undo_scope(tx: Session, acting: User, batch_id: int) -> None:
    """A reporter undoes progress only of the tasks its unit (as held now) leads."""
    entries = tx.progress_entries(batch_id)
    rows = pd.DataFrame([{"row": n, "plan_id": plan_id, "ref": ref} for n, (_a, plan_id, ref, _o, _r)
                         in enumerate(entries, start=1)], columns=["row", "plan_id", "ref"])
    _check_scope(tx, acting, rows)


def _predecessors(tx: Session, unit: tuple[str, date, str]) -> set[tuple[str, date, str]]:
    return lineage(tx.units(kinds=DEPARTMENT_KINDS), unit)



class _Sheet:
    """The rows of one progress file, checked one by one against the plans and their tasks."""

    def __init__(self, store: Store, today: date, table: Table, at: dict[str, int]):
        self.today, self.table, self.at = today, table, at
        plans = store.plan_index()
        self.plans = plans
        self.by_number = {plan_key(p["number"]): p["id"] for p in plans.values()}
        self.tasks = {(t["plan_id"], t["ref"]): t for t in store.tasks().to_dict("records")}
        self.seen: dict[tuple, int] = {}

    def row(self, row_no: int, cells: list, result: Preview) -> dict[str, Any] | None:
        found = RowCells(self.table, self.at, row_no, cells)
        if found.blank:
            return None
        if not found.check(REQUIRED):
            return found.refuse(result)
        texts = found.texts
        plan_id = find_plan(self.plans, self.by_number, texts["plan"])
        task = self.tasks.get((plan_id, texts["ref"])) if plan_id else None
        if plan_id is None:
            found.problem("plan", *bilingual("imp_no_such_plan"))
        elif task is None:
            found.problem("ref", *bilingual("imp_no_such_task"))
        if found.problems:
            return found.refuse(result)
        occurrence, occs = self._occurrence(found, task)
        status = STATUS_WORDS.get(re.sub(r"[^a-z]", "", fold_ascii(texts["status"]).lower()))
        if status is None:
            found.problem("status", *bilingual("imp_progress_status"))
        days = self._days(found)
        _check_status(found, status)
        if found.problems:
            return found.refuse(result)
        key = (plan_id, texts["ref"], occurrence)
        if key in self.seen:
            result.add(Problem(*bilingual("imp_duplicate_task_row", first=self.seen[key]), row=row_no))
            return None
        self.seen[key] = row_no
        due = occs[occurrence].due
        plan = self.plans[plan_id]
        return {"row": row_no, "plan_id": plan_id, "plan_number": plan["number"], "ref": texts["ref"],
                "occurrence": occurrence, "progress_status": status, "completed_on": days["completed_on"],
                "evidence": texts.get("evidence") or None, "evidence_date": days["evidence_date"],
                "note": texts.get("note") or None, "province_code": plan["province_code"],
                "province_valid_from": plan["province_valid_from"], "period": occurrence or task["deadline_period"],
                "period_start": due, "period_end": due, "due": due}

    @staticmethod
    def _occurrence(found: RowCells, task: dict[str, Any]) -> tuple[str, dict]:
        """The row's occurrence of the task (blank for a one-off task, a year of a recurring one) and all of the
        task's occurrences by name."""
        occurrence = found.texts.get("occurrence", "")
        occurrence = occurrence[:-2] if re.fullmatch(r"\d{4}\.0", occurrence) else occurrence
        occs = {o.occurrence: o for o in occurrences(task["start_period"], task["deadline_period"],
                                                     bool(task["recurring"]), task.get("due_in_year"))}
        if occurrence not in occs:
            found.problem("occurrence", *(bilingual("imp_occurrence_one_off") if "" in occs
                                          else bilingual("imp_occurrence_year", first=min(occs), last=max(occs))))
        return occurrence, occs

    def _days(self, found: RowCells) -> dict[str, date | None]:
        """The completion and evidence days of the row: dates, not in the future."""
        days: dict[str, date | None] = {}
        for role in ("completed_on", "evidence_date"):
            text = found.texts.get(role, "")
            days[role] = None
            if not text:
                continue
            try:
                days[role] = _day(text)
            except ValueError:
                found.problem(role, *bilingual("imp_not_a_day"))
                continue
            if days[role] > self.today:
                found.problem(role, *bilingual("imp_future_day"))
        return days


def _check_status(found: RowCells, status: str | None) -> None:
    """A done task has its completion day and only a done task has one; a dropped task says why."""
    texts = found.texts
    if status == "done" and not texts.get("completed_on"):
        found.problem("completed_on", *bilingual("imp_done_needs_day"))
    if status not in (None, "done") and texts.get("completed_on"):
        found.problem("completed_on", *bilingual("imp_day_only_when_done"))
    if status == "dropped" and not texts.get("note"):
        found.problem("note", *bilingual("imp_dropped_needs_note"))


def _day(text: str) -> date:
    text = text.strip()[:10]
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        d, m, y = (int(x) for x in text.split("/"))
        return date(y, m, d)
    return date.fromisoformat(text)
