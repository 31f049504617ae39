"""The targets layout: analysts enter the numeric targets of a new plan (or of a plan already known).

Columns (Vietnamese or English headers): ``plan, province, indicator, comparator, value, deadline, source``
(the plan's sentence, verbatim) and optionally ``value_high`` (for ``between``), ``start``,
``baseline_period``, ``baseline_value``, ``recurring``, ``plan_title``, ``issued_on``, ``note``. ``plan`` is
the id or the number of a plan already in the dashboard (``239/KH-UBND``), or the number of a new plan —
then ``plan_title`` and ``issued_on`` are needed on its rows and the plan is created with the batch. The
rules of the reviewed plans in ``data/plans`` apply (:func:`indicators.domain.rules.target_problems`). Targets of the
reviewed plans are not changed by an import: change the YAML file instead. A target is identified by (plan,
indicator, deadline); its history keeps the whole row, old and new, as JSON.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, ClassVar

import pandas as pd

from indicators.domain.periods import PeriodError, parse_period
from indicators.domain.rules import target_problems
from indicators.domain.text import fold_ascii
from indicators.domain.values import ValueProblem, parse_number
from indicators.i18n import N_, bilingual, label
from indicators.services.auth import User
from indicators.services.templates import EXAMPLE_SOURCE

from ..storage import TARGET_COLUMNS, ConflictError, Session, Store
from .aliases import TARGET_ALIASES, TARGET_REQUIRED, is_target_header, target_role
from .base import Context, Preview, find_plan, plan_key, refuse_if_changed_later
from .cells import unknown_indicator
from .table import Problem, RowCells, Table, cell_text, column_letter, header_key, repeated_columns
from .writing import Writing, changed_rows, nothing_changed

COMPARATORS = {">=": ">=", "≥": ">=", ">": ">", "<=": "<=", "≤": "<=", "<": "<", "between": "between",
               "trongkhoang": "between", "rank<=": "rank<=", "top": "rank<="}
DOC_TYPES = (("ctr", "chuong_trinh"), ("kh", "ke_hoach"), ("qd", "quyet_dinh"), ("ct", "chi_thi"),
             ("nq", "nghi_quyet"))
_RECURRING = ("1", "true", "yes", "co", "x", "hangnam")


class TargetsLayout:
    kind: ClassVar[str] = "targets"
    writer: ClassVar[str] = "analyst"
    would_change: ClassVar[str] = N_("imp_targets_would_change")

    def recognises(self, keys: list[str]) -> bool:
        return is_target_header(keys)

    def header_problems(self, header: list[str], row: int) -> list[Problem]:
        return []  # the whole header is checked with the rows (check)

    def check(self, store: Store, context: Context, table: Table, result: Preview) -> None:
        result.kind, result.layout = "targets", "targets"
        roles = [target_role(header_key(h)) for h in table.header]
        _check_header(table, roles, result)
        if not result.ok:
            return
        sheet = _Sheet(store.plan_index(), {r["code"]: r for r in context.indicators.to_dict("records")},
                       context.registry, table, {role: roles.index(role) for role in TARGET_ALIASES if role in roles})
        records = [record for row_no, cells in table.rows if (record := sheet.row(row_no, cells, result))]
        if not records and result.ok:
            result.add(Problem(*bilingual("imp_no_target_rows"), row=table.header_row))
        if not result.ok:
            return
        result.diff = _compare(store, pd.DataFrame.from_records(records), result)
        result.payload = {"new_plans": sheet.new_plans}

    def nothing_to_write(self, result: Preview) -> bool:
        return nothing_changed(result)

    def prepare(self, tx: Session, result: Preview, acting: User) -> Writing:
        return Writing(changed_rows(result), result.counts["unchanged"], source=f"target sheet {result.file_name}",
                       note="target sheet")

    def write(self, tx: Session, writing: Writing, batch_id: int, acting: User, now: datetime) -> None:
        result = writing.preview
        for plan in result.payload["new_plans"].values():
            _insert_plan(tx, plan, writing.rows, result.file_name, batch_id, acting, now)
        for r in writing.rows.to_dict("records"):
            _write_target(tx, r, batch_id, acting, now)

    def undo(self, tx: Session, batch_id: int, acting: User, now: datetime) -> int:
        entries = tx.target_entries(batch_id)
        refuse_if_changed_later(tx.later_target_batches(batch_id), *bilingual("imp_these_targets"))
        for action, target_id, old_row in entries:
            if action == "insert_plan":
                if tx.plan_target_count(target_id):
                    raise ConflictError(*bilingual("imp_plan_has_other_targets", plan=target_id))
                tx.delete_imported_plan(target_id)
            elif action == "insert":
                tx.delete_target(target_id)
            else:
                old = json.loads(old_row)
                tx.update_target(target_id, old["row"], old["batch_id"])
            tx.log_target(batch_id, "undo", target_id, action, None, acting.name, now)
        return len(entries)


LAYOUT = TargetsLayout()


def _check_header(table: Table, roles: list[str | None], result: Preview) -> None:
    for index, (header, role) in enumerate(zip(table.header, roles)):
        if header_key(header) and role is None:
            result.add(Problem(*bilingual("imp_unknown_column", header=header),
                               row=table.header_row, column=column_letter(index)))
    for problem in repeated_columns(table, roles):
        result.add(problem)
    for role in TARGET_REQUIRED:
        if role not in roles:
            result.add(Problem(*bilingual("imp_missing_column", role=role), row=table.header_row))


class _Sheet:
    """The rows of one target sheet, checked one by one against the plans known and the ones it creates."""

    def __init__(self, plans: dict[str, dict[str, Any]], catalogue: dict[str, dict[str, Any]], registry, table: Table,
                 at: dict[str, int]):
        self.plans, self.catalogue, self.registry, self.table, self.at = plans, catalogue, registry, table, at
        self.by_number = {plan_key(p["number"]): p["id"] for p in plans.values()}
        self.new_plans: dict[str, dict[str, Any]] = {}
        self.seen: dict[tuple, int] = {}

    def row(self, row_no: int, cells: list, result: Preview) -> dict[str, Any] | None:
        """The target of one row, or None (a blank row, or one whose problems went to ``result``)."""
        found = RowCells(self.table, self.at, row_no, cells, skip=())
        if found.blank:
            return None
        if any(cell_text(c) for c in cells[len(self.table.header):]):
            result.add(Problem(*bilingual("imp_cells_beyond_header"), row=row_no))
            return None
        texts = found.texts
        found.check(TARGET_REQUIRED)
        if texts.get("source") == EXAMPLE_SOURCE:
            found.problem("source", *bilingual("imp_example_row"))
        province = None
        if not found.problems:
            indicator, comparator, periods, numbers, issued_on = self._cells(texts, cells, found.problem)
        if not found.problems:
            plan_id, day = self._plan(texts, issued_on, found.problem)
            province = self._province(found, texts, plan_id, day) if plan_id is not None else None
            if province is not None:  # a province other than the plan's is one problem among the target's
                deadline = periods["deadline"]
                start = periods.get("start") or parse_period(str(day.year))
                self._check_target(found, indicator, comparator, numbers, periods, start)
        if found.problems or province is None:
            return found.refuse(result)
        key = (plan_id, indicator["code"], deadline.text)
        if key in self.seen:
            result.add(Problem(*bilingual("imp_duplicate_target_row", first=self.seen[key]), row=row_no))
            return None
        self.seen[key] = row_no
        return {
            "row": row_no, "id": f"{plan_id}:{indicator['code']}:{deadline.text}", "plan_id": plan_id,
            "province_code": province[0], "province_valid_from": province[1], "indicator_code": indicator["code"],
            "comparator": comparator, "target_value": numbers["value"], "target_high": numbers.get("value_high"),
            "baseline_period": periods["baseline_period"].text if "baseline_period" in periods else None,
            "baseline_value": numbers.get("baseline_value"), "start_period": start.text,
            "deadline_period": deadline.text, "recurring": header_key(texts.get("recurring", "")) in _RECURRING,
            "source_quote": " ".join(texts["source"].split()), "note": texts.get("note") or None}

    def _province(self, found: RowCells, texts: dict[str, str], plan_id: str,
                  day: date) -> tuple[str, date] | None:
        """The row's province, valid on the plan's issue date and the plan's own (a new plan takes the first)."""
        try:
            province = self.registry.resolve(texts["province"], day)
        except LookupError:
            found.problem("province", label("imp_province_not_on_issue_date", "vi", day=f"{day:%d/%m/%Y}"),
                          label("imp_province_not_on_issue_date", "en", day=day))
            return None
        expected = (self.plans[plan_id]["province_code"], self.plans[plan_id]["province_valid_from"]) \
            if plan_id in self.plans else self.new_plans[plan_id]["province"]
        if expected is None:
            self.new_plans[plan_id]["province"] = province
        elif tuple(expected) != province:
            found.problem("province", *bilingual("imp_not_plan_province"))
        return province

    @staticmethod
    def _check_target(found: RowCells, indicator: dict, comparator: str, numbers: dict, periods: dict,
                      start: Any) -> None:
        """The target's own rules (comparator, range, periods), and a baseline given whole or not at all."""
        for role, vi, en in target_problems(indicator, comparator, numbers, start, periods["deadline"]):
            found.problem(role, vi, en)
        if ("baseline_period" in periods) != ("baseline_value" in numbers):
            found.problem("baseline_value", *bilingual("imp_baseline_together"))

    def _cells(self, texts: dict[str, str], cells: list, problem) -> tuple:
        """The row's indicator, comparator, periods, numbers and issue date, each problem reported."""
        indicator = self.catalogue.get(texts["indicator"])
        if indicator is None:
            unknown = unknown_indicator(texts["indicator"], self.catalogue, N_("imp_unknown_indicator_code"))
            problem("indicator", *unknown)
        comparator = COMPARATORS.get(texts["comparator"].replace(" ", "").lower()) or COMPARATORS.get(
            header_key(texts["comparator"]))
        if comparator is None:
            problem("comparator", *bilingual("imp_comparator"))
        periods = {}
        for role in ("deadline", "start", "baseline_period"):
            if texts.get(role):
                try:
                    periods[role] = parse_period(texts[role].upper(), allow_span=role == "baseline_period")
                except PeriodError:
                    problem(role, *bilingual("imp_target_not_period"))
        numbers = {}
        unit = indicator["unit"] if indicator else "point"
        for role in ("value", "value_high", "baseline_value"):
            if texts.get(role):
                try:
                    numbers[role] = parse_number(texts[role], unit)
                except ValueProblem as reason:
                    problem(role, reason.vi, reason.en)
        issued_on = None
        if texts.get("issued_on"):
            issued_on = _date(cells[self.at["issued_on"]])
            if issued_on is None:
                problem("issued_on", *bilingual("imp_issued_not_date"))
        return indicator, comparator, periods, numbers, issued_on

    def _plan(self, texts: dict[str, str], issued_on: date | None, problem) -> tuple[str | None, date | None]:
        """The row's plan (known by id or number, or new: then created with the batch) and its issue date."""
        plan_id = find_plan(self.plans, self.by_number, texts["plan"])
        if plan_id is not None:
            return plan_id, self.plans[plan_id]["issued_on"]
        plan_id = _new_plan_id(texts["plan"], issued_on)
        plan = self.new_plans.get(plan_id)
        if plan is None:
            if not texts.get("plan_title") or issued_on is None:
                problem("plan", *bilingual("imp_new_plan_fields"))
                return None, None
            plan = {"id": plan_id, "number": texts["plan"], "title": texts["plan_title"], "issued_on": issued_on,
                    "province": None}
            self.new_plans[plan_id] = plan
        return plan_id, plan["issued_on"]


def _compare(store: Store, frame: pd.DataFrame, result: Preview) -> pd.DataFrame:
    """The checked targets beside the stored ones (by plan, indicator and deadline): insert, change, unchanged;
    a reviewed plan's own target cannot be changed by an import."""
    diff = frame.merge(store.target_keys(), how="left", on=["plan_id", "indicator_code", "deadline_period"])
    statuses, shown_rows = [], []
    for r in diff.itertuples():
        if pd.isna(r.old_id):
            statuses.append("insert")
            shown_rows.append(None)
            continue
        shown_rows.append(_row_json(store.target_row(r.old_id), keep_id=False))
        same = shown_rows[-1] == _row_json(r._asdict(), keep_id=False)
        if r.origin == "reference" and not same:
            result.add(Problem(*bilingual("imp_reviewed_target", target=r.old_id), row=int(r.row)))
        statuses.append("unchanged" if same else "change")
    diff["status"] = statuses
    diff["old_row"] = shown_rows  # the stored target as the preview showed it: a commit refuses if it changed
    diff["id"] = diff["old_id"].where(diff["old_id"].notna(), diff["id"])
    return diff.drop(columns=["old_id", "origin"])


def _insert_plan(tx: Session, plan: dict[str, Any], to_write: pd.DataFrame, file_name: str, batch_id: int,
                 acting: User, now: datetime) -> None:
    if tx.plan_exists(plan["id"]):
        raise ConflictError(*bilingual("imp_plan_created_meanwhile", plan=plan["id"]))
    rows = to_write[to_write.plan_id == plan["id"]]
    tx.insert_plan({"id": plan["id"], "number": plan["number"], "doc_type": _doc_type(plan["number"]),
                    "issuer": "UBND tỉnh/thành phố", "province_code": plan["province"][0],
                    "province_valid_from": plan["province"][1], "issued_on": plan["issued_on"],
                    "period_start": min(rows.start_period), "period_end": max(rows.deadline_period),
                    "title": plan["title"], "source_file": file_name}, batch_id)
    tx.log_target(batch_id, "insert_plan", plan["id"], None, plan["title"], acting.name, now)


def _write_target(tx: Session, r: dict[str, Any], batch_id: int, acting: User, now: datetime) -> None:
    new = _row_json(r)
    values = {c: _value(r[c]) for c in TARGET_COLUMNS}
    if r["status"] == "insert":
        if tx.target_row(r["id"]) is not None:
            raise ConflictError(*bilingual("imp_target_added_meanwhile"))
        tx.insert_target(values, batch_id)
        tx.log_target(batch_id, "insert", r["id"], None, new, acting.name, now)
        return
    old = tx.target_row(r["id"])
    if _row_json(old, keep_id=False) != r["old_row"]:
        raise ConflictError(*bilingual("imp_target_changed_since_preview", target=r["id"]))
    old_json = json.dumps({"row": json.loads(_row_json(old)), "batch_id": old["batch_id"]})
    tx.update_target(r["id"], values, batch_id)
    tx.log_target(batch_id, "replace", r["id"], old_json, new, acting.name, now)



def _new_plan_id(number: str, issued_on: date | None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold_ascii(number).lower()).strip("-") or "plan"
    return f"{slug}-{issued_on.year}" if issued_on else slug


def _doc_type(number: str) -> str:
    parts = re.split(r"[^a-z]+", fold_ascii(number).lower())
    for prefix, kind in DOC_TYPES:
        if prefix in parts:
            return kind
    return "ke_hoach"


def _date(cell: Any) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _row_json(row: dict[str, Any], keep_id: bool = True) -> str:
    def plain(value: Any) -> Any:
        if value is None or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, (pd.Timestamp, datetime)):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if hasattr(value, "item"):
            return value.item()
        return value
    columns = TARGET_COLUMNS if keep_id else TARGET_COLUMNS[1:]
    return json.dumps({c: plain(row.get(c)) for c in columns}, ensure_ascii=False, sort_keys=True)


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
