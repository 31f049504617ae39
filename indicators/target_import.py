"""Target sheets: analysts enter the numeric targets of a new plan (or of a plan already known).

Columns (Vietnamese or English headers): ``plan, province, indicator, comparator, value, deadline, source``
(the plan's sentence, verbatim) and optionally ``value_high`` (for ``between``), ``start``,
``baseline_period``, ``baseline_value``, ``recurring``, ``plan_title``, ``issued_on``, ``note``. ``plan`` is
the id or the number of a plan already in the dashboard (``239/KH-UBND``), or the number of a new plan —
then ``plan_title`` and ``issued_on`` are needed on its rows and the plan is created with the batch. The
same checks as for the reviewed plans in ``data/plans`` apply (comparator against the indicator's direction,
value in range, deadline after start). Targets of the reviewed plans are not changed by an import: change
the YAML file instead. A target is identified by (plan, indicator, deadline); its history keeps the whole
row, old and new, as JSON.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from .auth import User, require
from .periods import PeriodError, parse_period
from .importer import ALIASES as ACTUAL_COLUMNS
from .reader import (Problem, Table, cell_text, column_letter, header_key, is_mojibake, mojibake_problem,
                     repeated_columns, role_of)
from .registry import Registry
from .templates import EXAMPLE_SOURCE
from .text import fold_ascii
from .values import ValueProblem, parse_number

ALIASES: dict[str, set[str]] = {
    "plan": {"plan", "planid", "plannumber", "kehoach", "sokehoach", "vanban", "sovanban", "sohieu"},
    "province": ACTUAL_COLUMNS["province"] | ACTUAL_COLUMNS["province_name"],
    "indicator": ACTUAL_COLUMNS["indicator"],
    "comparator": {"comparator", "sosanh", "dieukien", "phepso"},
    "value": {"value", "giatri", "muctieu", "target"},
    "value_high": {"valuehigh", "giatritren", "muctren"},
    "deadline": {"deadline", "hanchot", "thoihan", "hoanthanh"},
    "source": {"source", "quote", "trichdan", "cautrich", "nguyenvan", "nguon"},
    "start": {"start", "batdau", "tuky"},
    "baseline_period": {"baselineperiod", "kygoc", "namgoc"},
    "baseline_value": {"baselinevalue", "giatrigoc"},
    "recurring": {"recurring", "hangnam", "lapla"},
    "plan_title": {"plantitle", "tenkehoach", "trichyeu"},
    "issued_on": {"issuedon", "ngaybanhanh", "ngayky"},
    "note": ACTUAL_COLUMNS["note"],
}
REQUIRED = ("plan", "province", "indicator", "comparator", "value", "deadline", "source")
COMPARATORS = {">=": ">=", "≥": ">=", ">": ">", "<=": "<=", "≤": "<=", "<": "<", "between": "between",
               "trongkhoang": "between", "rank<=": "rank<=", "top": "rank<="}
DOC_TYPES = (("ctr", "chuong_trinh"), ("kh", "ke_hoach"), ("qd", "quyet_dinh"), ("ct", "chi_thi"),
             ("nq", "nghi_quyet"))
TARGET_COLUMNS = ["id", "plan_id", "province_code", "province_valid_from", "indicator_code", "comparator",
                  "target_value", "target_high", "baseline_period", "baseline_value", "start_period",
                  "deadline_period", "recurring", "source_quote", "note"]


def is_target_header(keys: list[str]) -> bool:
    roles = {_role(k) for k in keys}
    return {"plan", "comparator", "deadline"} <= roles


def _role(key: str) -> str | None:
    return role_of(key, ALIASES)


def preview_targets(cur: duckdb.DuckDBPyConnection, registry: Registry, indicators: pd.DataFrame, table: Table,
                    result, today: date):
    result.kind, result.layout = "targets", "targets"
    keys = [header_key(h) for h in table.header]
    roles = [_role(k) for k in keys]
    for index, (key, role) in enumerate(zip(keys, roles)):
        if key and role is None:
            result.add(Problem(f"cột không được nhận: '{table.header[index]}'", f"unknown column '{table.header[index]}'",
                               row=table.header_row, column=column_letter(index)))
    for problem in repeated_columns(table, roles):
        result.add(problem)
    for role in REQUIRED:
        if role not in roles:
            result.add(Problem(f"thiếu cột '{role}'", f"the column '{role}' is missing", row=table.header_row))
    if not result.ok:
        return result
    at = {role: roles.index(role) for role in ALIASES if role in roles}
    catalogue = {r["code"]: r for r in indicators.to_dict("records")}
    plans = {r[0]: r for r in cur.execute(
        "SELECT id, number, province_code, province_valid_from, issued_on, origin FROM plan").fetchall()}
    by_number = {_plan_key(r[1]): r[0] for r in plans.values()}
    new_plans: dict[str, dict[str, Any]] = {}
    records, seen = [], {}
    for row_no, cells in table.rows:
        texts = {role: cell_text(cells[i]) if i < len(cells) else "" for role, i in at.items()}
        if not any(texts.values()):
            continue
        if any(cell_text(c) for c in cells[len(table.header):]):
            result.add(Problem("dòng có ô ngoài các cột tiêu đề", "the row has cells beyond the header's columns", row=row_no))
            continue
        problems = []

        def problem(role: str, vi: str, en: str) -> None:
            problems.append(Problem(vi, en, row=row_no, column=table.column_name(at[role]) if role in at else role,
                                    value=texts.get(role)))

        for role, text in texts.items():
            if text and is_mojibake(text):
                problems.append(mojibake_problem(row_no, table.column_name(at[role]), text))
        for role in REQUIRED:
            if not texts.get(role):
                problem(role, "ô bắt buộc để trống", "a required cell is blank")
        if texts.get("source") == EXAMPLE_SOURCE:
            problem("source", "đây là dòng ví dụ của mẫu: xoá dòng này", "this is the template's example row: delete it")
        if problems:
            _add_all(result, problems)
            continue
        indicator = catalogue.get(texts["indicator"])
        if indicator is None:
            problem("indicator", "không phải mã chỉ tiêu đã biết", "is not a known indicator code")
        comparator = COMPARATORS.get(texts["comparator"].replace(" ", "").lower()) or COMPARATORS.get(
            header_key(texts["comparator"]))
        if comparator is None:
            problem("comparator", "phép so sánh phải là >=, >, <=, <, between hoặc rank<=",
                    "the comparator must be >=, >, <=, <, between or rank<=")
        periods = {}
        for role in ("deadline", "start", "baseline_period"):
            if texts.get(role):
                try:
                    periods[role] = parse_period(texts[role].upper(), allow_span=role == "baseline_period")
                except PeriodError:
                    problem(role, "không phải kỳ (2025, 2025-H1, 2025-Q3, 2025-05)", "is not a period (2025, 2025-H1, 2025-Q3, 2025-05)")
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
            issued_on = _date(cells[at["issued_on"]])
            if issued_on is None:
                problem("issued_on", "không phải ngày (2026-03-15 hoặc 15/03/2026)", "is not a date (2026-03-15 or 15/03/2026)")
        if problems:
            _add_all(result, problems)
            continue
        # the plan: known by id or number, or new
        plan_id = texts["plan"] if texts["plan"] in plans else by_number.get(_plan_key(texts["plan"]))
        if plan_id is None:
            plan_id = _new_plan_id(texts["plan"], issued_on)
            plan = new_plans.get(plan_id)
            if plan is None:
                if not texts.get("plan_title") or issued_on is None:
                    problem("plan", "kế hoạch mới: cần điền plan_title và issued_on", "a new plan: fill plan_title and issued_on")
                    _add_all(result, problems)
                    continue
                plan = {"id": plan_id, "number": texts["plan"], "title": texts["plan_title"], "issued_on": issued_on,
                        "province": None, "row": row_no}
                new_plans[plan_id] = plan
            day = plan["issued_on"]
        else:
            day = plans[plan_id][4]
        try:
            province = registry.resolve(texts["province"], day)
        except LookupError:
            problem("province", f"không phải tỉnh có hiệu lực ngày ban hành {day:%d/%m/%Y}",
                    f"is not a province valid on the plan's issue date {day}")
            _add_all(result, problems)
            continue
        expected = plans[plan_id][2:4] if plan_id in plans else new_plans[plan_id]["province"]
        if expected is None:
            new_plans[plan_id]["province"] = province
        elif (expected[0], expected[1] if isinstance(expected[1], date) else expected[1]) != province:
            problem("province", "khác tỉnh của kế hoạch", "differs from the plan's province")
        if plan_id in plans and plans[plan_id][5] == "reference" and not problems:
            pass  # targets may be added to a reviewed plan; changing its own targets is refused below
        deadline = periods["deadline"]
        start = periods.get("start") or parse_period(str(day.year))
        if deadline.end < start.start:
            problem("deadline", "hạn chót trước kỳ bắt đầu", "the deadline is before the start")
        if comparator == "between" and "value_high" not in numbers:
            problem("value_high", "phép 'between' cần giá trị trên", "'between' needs value_high")
        if comparator != "between" and "value_high" in numbers:
            problem("value_high", "chỉ dùng với 'between'", "only used with 'between'")
        if comparator in (">=", ">") and indicator["direction"] != "higher" or \
                comparator in ("<=", "<") and indicator["direction"] == "higher":
            problem("comparator", f"ngược chiều của chỉ tiêu {indicator['code']}",
                    f"contradicts the direction of {indicator['code']}")
        if (comparator == "rank<=") != (indicator["unit"] == "rank"):
            problem("comparator", "'rank<=' chỉ dùng cho chỉ tiêu thứ hạng", "'rank<=' goes with rank indicators, and only with them")
        high = indicator["max_value"] if indicator["max_value"] == indicator["max_value"] else None
        for role in ("value", "value_high"):
            if role in numbers and (numbers[role] < indicator["min_value"] or (high is not None and numbers[role] > high)):
                problem(role, f"ngoài khoảng hợp lệ của {indicator['code']}", f"outside the valid range of {indicator['code']}")
        if ("baseline_period" in periods) != ("baseline_value" in numbers):
            problem("baseline_value", "kỳ gốc và giá trị gốc đi cùng nhau", "baseline_period and baseline_value go together")
        recurring = header_key(texts.get("recurring", "")) in ("1", "true", "yes", "co", "x", "hangnam")
        if problems:
            _add_all(result, problems)
            continue
        key = (plan_id, indicator["code"], deadline.text)
        if key in seen:
            result.add(Problem(f"trùng kế hoạch, chỉ tiêu và hạn chót với dòng {seen[key]}",
                               f"same plan, indicator and deadline as row {seen[key]}", row=row_no))
            continue
        seen[key] = row_no
        records.append({
            "row": row_no, "id": f"{plan_id}:{indicator['code']}:{deadline.text}", "plan_id": plan_id,
            "province_code": province[0], "province_valid_from": province[1], "indicator_code": indicator["code"],
            "comparator": comparator, "target_value": numbers["value"], "target_high": numbers.get("value_high"),
            "baseline_period": periods["baseline_period"].text if "baseline_period" in periods else None,
            "baseline_value": numbers.get("baseline_value"), "start_period": start.text,
            "deadline_period": deadline.text, "recurring": recurring, "source_quote": " ".join(texts["source"].split()),
            "note": texts.get("note") or None})
    if not records and result.ok:
        result.add(Problem("tệp không có dòng mục tiêu nào", "the file has no target rows", row=table.header_row))
    if not result.ok:
        return result
    frame = pd.DataFrame.from_records(records)
    existing = cur.execute("""
        SELECT t.id AS old_id, t.plan_id, t.indicator_code, t.deadline_period, t.origin, t.target_value AS old_value,
               t.comparator AS old_comparator, t.target_high AS old_high, t.source_quote AS old_quote
        FROM target t""").df()
    diff = frame.merge(existing, how="left", on=["plan_id", "indicator_code", "deadline_period"])
    statuses, shown_rows = [], []
    for r in diff.itertuples():
        if pd.isna(r.old_id):
            statuses.append("insert")
            shown_rows.append(None)
            continue
        stored = cur.execute(f"SELECT {', '.join(TARGET_COLUMNS)} FROM target WHERE id = ?", [r.old_id]).fetchone()
        shown_rows.append(_row_json(dict(zip(TARGET_COLUMNS, stored)), keep_id=False))
        same = shown_rows[-1] == _row_json(r._asdict(), keep_id=False)
        if r.origin == "reference" and not same:
            result.add(Problem(f"mục tiêu {r.old_id} thuộc kế hoạch đã rà soát (data/plans): sửa trong tệp đó",
                               f"target {r.old_id} belongs to a reviewed plan (data/plans): change it there", row=int(r.row)))
        statuses.append("unchanged" if same else "change")
    diff["status"] = statuses
    diff["old_row"] = shown_rows  # the stored target as the preview showed it: a commit refuses if it changed
    diff["id"] = diff["old_id"].where(diff["old_id"].notna(), diff["id"])
    result.diff = diff.drop(columns=["old_id", "origin"])
    result.payload = {"new_plans": new_plans}
    return result


def _add_all(result, problems: list[Problem]) -> None:
    for p in problems:
        result.add(p)


def _plan_key(number: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold_ascii(str(number)).lower())


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


def commit_targets(cur: duckdb.DuckDBPyConnection, result, user: User | None, *, replace: bool, channel: str):
    from .importer import CommitResult, ConflictError, ImportRefused, _now, transaction  # noqa: PLC0415

    counts = result.counts
    if counts["change"] and not replace:
        raise ImportRefused(f"{counts['change']} mục tiêu sẽ thay đổi: chọn 'thay thế' để ghi đè",
                            f"{counts['change']} targets would change: choose 'replace' to overwrite them")
    to_write = result.diff[result.diff.status != "unchanged"]
    if not len(to_write):
        return CommitResult(None, 0, 0, counts["unchanged"])
    now = _now()
    with transaction(cur):
        acting = require(cur, user, "analyst")
        batch_id = cur.execute(
            "INSERT INTO import_batch (source, source_kind, file_name, file_sha256, imported_by, imported_at,"
            " row_count, note, kind, sheet) VALUES (?, ?, ?, ?, ?, ?, ?, 'target sheet', 'targets', ?) RETURNING id",
            [f"target sheet {result.file_name}", channel, result.file_name, result.sha256, acting.name, now,
             len(to_write), result.sheet]).fetchone()[0]
        for plan in result.payload["new_plans"].values():
            if cur.execute("SELECT 1 FROM plan WHERE id = ?", [plan["id"]]).fetchone():
                raise ConflictError(f"kế hoạch {plan['id']} vừa được tạo bởi lần nhập khác",
                                    f"plan {plan['id']} was just created by another import")
            rows = to_write[to_write.plan_id == plan["id"]]
            cur.execute("INSERT INTO plan (id, number, doc_type, issuer, province_code, province_valid_from, issued_on,"
                        " period_start, period_end, title, source_file, origin, batch_id)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'import', ?)",
                        [plan["id"], plan["number"], _doc_type(plan["number"]), "UBND tỉnh/thành phố",
                         plan["province"][0], plan["province"][1], plan["issued_on"], min(rows.start_period),
                         max(rows.deadline_period), plan["title"], result.file_name, batch_id])
            cur.execute("INSERT INTO target_history (batch_id, action, target_id, new_row, changed_by, changed_at)"
                        " VALUES (?, 'insert_plan', ?, ?, ?, ?)", [batch_id, plan["id"], plan["title"], acting.name, now])
        for r in to_write.to_dict("records"):
            new = _row_json(r)
            if r["status"] == "insert":
                if cur.execute("SELECT 1 FROM target WHERE id = ?", [r["id"]]).fetchone():
                    raise ConflictError("mục tiêu vừa được thêm bởi lần nhập khác: xem trước lại",
                                        "the target was just added by another import: preview again")
                cur.execute(f"INSERT INTO target ({', '.join(TARGET_COLUMNS)}, origin, batch_id)"
                            f" VALUES ({', '.join('?' * len(TARGET_COLUMNS))}, 'import', ?)",
                            [_value(r[c]) for c in TARGET_COLUMNS] + [batch_id])
                cur.execute("INSERT INTO target_history (batch_id, action, target_id, new_row, changed_by, changed_at)"
                            " VALUES (?, 'insert', ?, ?, ?, ?)", [batch_id, r["id"], new, acting.name, now])
            else:
                stored = cur.execute(f"SELECT {', '.join(TARGET_COLUMNS)}, batch_id FROM target WHERE id = ?",
                                     [r["id"]]).fetchone()
                old = dict(zip(TARGET_COLUMNS + ["batch_id"], stored))
                if _row_json(old, keep_id=False) != r["old_row"]:
                    raise ConflictError(f"mục tiêu {r['id']} đã thay đổi từ lúc bạn xem trước: không ghi gì, hãy xem "
                                        "trước lại", f"target {r['id']} changed since your preview: nothing was "
                                        "written; preview the file again")
                old_json = json.dumps({"row": json.loads(_row_json(old)), "batch_id": old["batch_id"]})
                cur.execute(f"UPDATE target SET {', '.join(f'{c} = ?' for c in TARGET_COLUMNS[1:])}, batch_id = ?"
                            " WHERE id = ?", [_value(r[c]) for c in TARGET_COLUMNS[1:]] + [batch_id, r["id"]])
                cur.execute("INSERT INTO target_history (batch_id, action, target_id, old_row, new_row, changed_by,"
                            " changed_at) VALUES (?, 'replace', ?, ?, ?, ?, ?)",
                            [batch_id, r["id"], old_json, new, acting.name, now])
    return CommitResult(int(batch_id), int((to_write.status == "insert").sum()),
                        int((to_write.status == "change").sum()), counts["unchanged"])


def undo_targets(cur: duckdb.DuckDBPyConnection, batch_id: int, acting: User, now: datetime) -> int:
    from .importer import ConflictError  # noqa: PLC0415

    entries = cur.execute("SELECT action, target_id, old_row FROM target_history WHERE batch_id = ?"
                          " AND action IN ('insert', 'replace', 'insert_plan') ORDER BY id DESC", [batch_id]).fetchall()
    later = cur.execute("""SELECT DISTINCT t.batch_id FROM target_history h JOIN target t ON t.id = h.target_id
                           WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND t.batch_id <> ?""",
                        [batch_id, batch_id]).fetchall()
    if later:
        ids = ", ".join(str(r[0]) for r in later)
        raise ConflictError(f"các lần nhập sau ({ids}) đã sửa các mục tiêu này: hoàn tác chúng trước",
                            f"later batches ({ids}) changed these targets: undo them first")
    for action, target_id, old_row in entries:
        if action == "insert_plan":
            left = cur.execute("SELECT count(*) FROM target WHERE plan_id = ?", [target_id]).fetchone()[0]
            if left:
                raise ConflictError(f"kế hoạch {target_id} còn mục tiêu của lần nhập khác",
                                    f"plan {target_id} still has targets of another batch")
            cur.execute("DELETE FROM plan WHERE id = ? AND origin = 'import'", [target_id])
        elif action == "insert":
            cur.execute("DELETE FROM target WHERE id = ?", [target_id])
        else:
            old = json.loads(old_row)
            row = old["row"]
            cur.execute(f"UPDATE target SET {', '.join(f'{c} = ?' for c in TARGET_COLUMNS[1:])}, batch_id = ?"
                        " WHERE id = ?", [row[c] for c in TARGET_COLUMNS[1:]] + [old["batch_id"], target_id])
        cur.execute("INSERT INTO target_history (batch_id, action, target_id, old_row, changed_by, changed_at)"
                    " VALUES (?, 'undo', ?, ?, ?, ?)", [batch_id, target_id, action, acting.name, now])
    return len(entries)


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
