"""The command line's part for units and tasks: ``export units``, ``export tasks`` (which, with its status columns
edited, imports back as progress), the task progress that ``status --province`` prints, and ``status --unit``."""

from __future__ import annotations

import sys
from datetime import date

import pandas as pd

from indicators.domain.suggest import did_you_mean, suggest_code
from indicators.domain.summaries import late_tasks_sentence
from indicators.domain.tasks import STATES, by_unit, occurrence_table, summary
from indicators.domain.units import DEPARTMENT_KINDS, lineage
from indicators.i18n import N_, in_language, label
from indicators.reports.phrases import number
from indicators.services.exporting import to_csv
from indicators.services.index_views import composite_summary, merger_note, no_combined_value, predecessor_line
from indicators.services.views import Dataset
from indicators.storage import Store

UNIT_COLUMNS = ["code", "name", "kind", "province_code", "province_valid_from", "valid_from", "valid_to",
                "successor_codes", "parent_code", "lat", "lon", "area_km2", "source"]
TASK_COLUMNS = ["plan_number", "ref", "occurrence", "task", "lead_unit_code", "lead_unit_name", "partner_unit_codes",
                "deadline_period", "recurring", "status", "completed_on", "evidence", "evidence_date", "note", "due",
                "state", "overdue", "not_reported"]


def units_frame(store: Store) -> pd.DataFrame:
    units = store.units()
    groups = store.unit_groups()
    groups = pd.DataFrame({"code": groups.code, "name": groups.name_vi, "kind": "group"})
    return pd.concat([units, groups], ignore_index=True).reindex(columns=UNIT_COLUMNS)


def tasks_frame(store: Store, as_of: date) -> pd.DataFrame:
    """One row per task occurrence with its progress (not_started where none was entered) and, as of a day, what
    is known of it (state: done, in_progress, late, not_reported, not_yet_due, dropped; overdue means late): what
    ``export tasks`` writes, and what the progress layout reads back."""
    frame = occurrences(store, as_of)
    if frame.empty:
        return pd.DataFrame(columns=TASK_COLUMNS)
    names = _names(store)
    frame["lead_unit_code"] = frame.lead_unit_codes.fillna("")
    frame["lead_unit_name"] = ["; ".join(names.get(c, c) for c in codes.split(";") if c) for codes in
                               frame.lead_unit_code]
    frame["partner_unit_codes"] = frame.partner_unit_codes.fillna("")
    frame["note"] = frame.progress_note
    for column in ("completed_on", "evidence_date", "due"):
        frame[column] = [None if pd.isna(d) else pd.Timestamp(d).date().isoformat() for d in frame[column]]
    return frame[TASK_COLUMNS]


def occurrences(store: Store, as_of: date) -> pd.DataFrame:
    tasks = store.tasks()
    return occurrence_table(tasks, store.task_progress(), as_of)


def _names(store: Store) -> dict[str, str]:
    names = {code: name for (_, _, code), name in store.unit_names().items()}
    groups = store.unit_groups()
    return names | dict(zip(groups.code, groups.name_vi))


def print_context(store: Store, key: tuple, year: int, lang: str = "en") -> None:
    """What ``status --province`` prints before the targets: the province's place in the 2025 merger and its
    composite indices, a predecessor's figures named as the predecessor's, never as the successor's."""
    ds = Dataset.load(store)
    if note := merger_note(ds, key, lang):
        print(note)
    keys = [key, *ds.registry.predecessors(key)]
    indices = composite_summary(ds, keys, year)
    print(label("cli_composites", lang, year=year))
    if not indices.own.all():
        print("  " + no_combined_value(ds, key, lang))
    for _, rows in indices.groupby("indicator_code", sort=False):
        first = rows.iloc[0]
        name = in_language(first, "name", lang)
        if not first.own:
            print(f"  {name}: {predecessor_line(rows, lang, number)}")
        elif first.value is None or pd.isna(first.value):
            print("  " + label("cli_no_figure", lang, name=name))
        else:
            rank = "" if first["rank"] is None or pd.isna(first["rank"]) else \
                ", " + label("rank_of", lang, rank=int(first["rank"]))
            print(f"  {name}: {number(first.value, int(first.decimals), lang)} ({first.period}{rank})")


def print_progress(store: Store, plan_ids: list[str], as_of: date, lang: str = "en") -> None:
    """The task progress of some plans, as ``status --province`` prints it after the targets."""
    frame = occurrences(store, as_of)
    frame = frame[frame.plan_id.isin(plan_ids)] if len(frame) else frame
    if frame.empty:
        print("\n" + label("dom_tasks_none", lang))
        return
    print("\n" + label("cli_task_progress", lang, day=as_of, sentence=summary(frame).sentence(lang)))
    print(late_tasks_sentence(summary(frame), lang))
    for row in by_unit(frame, _names(store)).itertuples():
        reports = label("cli_no_task_due", lang) if not row.due else \
            label("cli_reports_due", lang, reported=row.reported_due, due=row.due)
        print(f"  {row.unit_code:<16} {row.unit_name[:50]:<50} "
              + label("cli_unit_progress", lang, done=row.done, total=row.total, late=row.overdue,
                      unreported=row.not_reported, reports=reports))


# the flag before a task of ``status --unit`` that needs a look
FLAGS = {"late": N_("cli_flag_late"), "not_reported": N_("cli_flag_not_reported")}


def unit_status(store: Store, code: str, as_of: date, out=None, lang: str = "en") -> int:
    """``status --unit CODE``: the unit (the latest record of that code), what it leads and owns."""
    out = out or sys.stdout
    units = store.units()
    mine = units[units.code == code]
    if mine.empty:
        reason = label("cli_no_unit", lang, code=code)
        nearest = suggest_code(code, units.code, units["name"])
        if nearest:
            reason += " — " + did_you_mean(nearest, lang)
        print(label("cli_error", lang, reason=reason), file=sys.stderr)
        return 2
    unit = mine.sort_values("province_valid_from").iloc[-1]
    key = (unit.province_code, pd.Timestamp(unit.province_valid_from).date(), unit.code)
    seen = lineage(store.units(kinds=DEPARTMENT_KINDS), key)
    print(label("cli_unit_heading", lang, name=unit["name"], code=unit.code, kind=label(f"kind_{unit.kind}", lang),
                province=unit.province_name, province_code=key[0], since=key[1]), file=out)
    if len(seen) > 1:
        earlier = ", ".join(sorted(c for _, _, c in seen - {key}))
        print(label("cli_unit_succeeded", lang, codes=earlier), file=out)
    _print_unit_tasks(store, seen, as_of, out, lang)
    targets = store.targets()
    owned = [(p, pd.Timestamp(d).date(), o) in seen for o, p, d in
             zip(targets.owner_unit_code.fillna(""), targets.province_code, targets.province_valid_from)]
    owned = targets[pd.Series(owned, index=targets.index)]
    print(label("cli_targets_owned", lang, count=len(owned)), file=out)
    for row in owned.itertuples():
        print("  " + label("cli_target_row", lang, target=row.target_id, indicator=row.indicator_code,
                           comparator=row.comparator, value=f"{row.target_value:g}", deadline=row.deadline_period),
              file=out)
    return 0


def _print_unit_tasks(store: Store, seen: set, as_of: date, out, lang: str) -> None:
    """The tasks a unit (or one it succeeded) leads, the most urgent first."""
    frame = occurrences(store, as_of)
    led = [any((p, pd.Timestamp(d).date(), c) in seen for c in str(codes or "").split(";"))
           for codes, p, d in zip(frame.lead_unit_codes, frame.province_code, frame.province_valid_from)]
    frame = frame[pd.Series(led, index=frame.index)] if len(frame) else frame
    print(label("cli_unit_tasks", lang, day=as_of, sentence=summary(frame).sentence(lang)), file=out)
    urgency = frame.state.map({s: i for i, s in enumerate(STATES)}) if len(frame) else frame.get("state")
    for row in frame.assign(_urgency=urgency).sort_values(["_urgency", "due"]).itertuples():
        flag = label(FLAGS[row.state], lang) + " " if row.state in FLAGS else ""
        occurrence = f" {row.occurrence}" if row.occurrence else ""
        status = label(row.status, lang)
        print("  " + label("cli_task_row", lang, flag=flag, plan=row.plan_number, ref=row.ref, occurrence=occurrence,
                           due=pd.Timestamp(row.due).date(), status=status, task=row.task[:70]), file=out)


def export(store: Store, kind: str, as_of: date | None = None) -> str:
    if kind == "units":
        return to_csv(units_frame(store))
    return to_csv(tasks_frame(store, as_of or date.today()))
