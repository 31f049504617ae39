"""The task-progress parts the pages share: the counts, the table of occurrences (overdue first), progress by
lead body, and the form that writes one occurrence's progress through the import engine (so a form entry has
the guarantees of an uploaded file: checks, history, undo, locks, and the reporter's unit checked in the
commit's transaction)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Callable

import pandas as pd
import streamlit as st

from indicators import imports
from indicators.domain.plain import md
from indicators.domain.scorecard import not_stated
from indicators.domain.tasks import STATUSES, Summary, completeness_text
from indicators.domain.units import DEPARTMENT_KINDS, lineage
from indicators.i18n import N_, format_date, format_number, label
from indicators.imports import ConflictError, ImportRefused
from indicators.services.auth import PermissionDenied, User
from indicators.services.exporting import on_screen
from indicators.storage import DatabaseUnusable, StorageFailed
from indicators.web.areas import area_texts
from indicators.web.cache import get_store, kept
from indicators.web.ui import after_write, data_table, download, sign_in_form


def progress_cards(counts: Summary, lang: str, day: date) -> None:
    """Done of total, known late, due without a report, reporting completeness; the sentence, which leads with the
    reports missing."""
    cards = st.columns(4)
    cards[0].metric(label("tasks_done", lang), f"{format_number(counts.done, lang=lang)}/"
                                                f"{format_number(counts.total, lang=lang)}")
    cards[1].metric(label("tasks_overdue", lang), format_number(counts.overdue, lang=lang),
                    help=label("tasks_overdue_help", lang))
    cards[2].metric(label("tasks_not_reported", lang), format_number(counts.not_reported, lang=lang),
                    help=label("tasks_not_reported_help", lang))
    cards[3].metric(label("tasks_completeness", lang), completeness_text(counts.completeness, lang),
                    help=label("tasks_completeness_help", lang, reported=counts.reported_due, due=counts.due))
    st.caption(label("progress_sentence", lang, day=format_date(day, lang), sentence=counts.sentence(lang)))



# what is known of a task occurrence, label(f"state_{state}") for domain/tasks.py STATES
STATE_KEYS = (N_("state_late"), N_("state_not_reported"), N_("state_in_progress"), N_("state_not_yet_due"),
              N_("state_done"), N_("state_dropped"))

def task_table(frame: pd.DataFrame, lang: str, file_name: str, key: str, kept_as: tuple | None = None) -> None:
    """The occurrences as they are shown and downloaded (text cells formula-escaped by data_table/download).
    ``kept_as``: the page's choices that decide ``frame``; the table is then built once per data version and
    choices (cache.kept)."""
    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        table = _task_rows(frame, lang)
        return on_screen(table), table

    screen, table = build() if kept_as is None else kept(("task_table", lang, *kept_as), build)
    data_table(table, screen=screen)
    download(table, file_name, lang, key=f"download_{key}")


def _task_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows of :func:`task_table`, as downloaded."""
    rows = frame.reindex(columns=["not_stated", "lead_names", "due"]).to_dict("records")  # read once: three columns
    table = pd.DataFrame({
        label("col_plan", lang): frame.plan_number,
        label("province", lang): frame.province_name,
        "#": frame.ref,
        label("col_occurrence", lang): frame.occurrence,
        label("col_task", lang): frame.task,
        label("col_reform_area", lang): area_texts(frame, lang),
        label("col_lead", lang): [label("lead_not_stated", lang) if "lead_body" in not_stated(r) else r["lead_names"]
                                  for r in rows],
        label("col_partners", lang): frame.partner_names,
        label("col_due", lang): [_due_text(r, lang) for r in rows],
        label("col_task_state", lang): [label(f"state_{s}", lang) for s in frame.state],
        label("col_completed_on", lang): [format_date(pd.Timestamp(d).date(), lang) if not pd.isna(d) else ""
                                          for d in frame.completed_on],
        label("col_evidence", lang): frame.evidence.fillna(""),
    })
    return table


def _due_text(row: dict, lang: str) -> str:
    """The due day; where the plan states no deadline, interval or day, "không nêu" and what the day shown is."""
    day = format_date(pd.Timestamp(row["due"]).date(), lang)
    missing = not_stated(row) & {"deadline", "interval", "due_day"}
    return label("due_not_stated", lang, day=day) if missing else day


def unit_progress_table(frame: pd.DataFrame | Callable[[], pd.DataFrame], lang: str, key: str,
                        kept_as: tuple | None = None) -> None:
    """Progress by lead body (``frame``: domain.tasks.by_unit's, or the function that makes it) with its download.
    ``kept_as``: the page's choices that decide it; it is then made once per data version and choices (cache.kept)."""
    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        table = _unit_rows(frame() if callable(frame) else frame, lang)
        return on_screen(table), table

    screen, table = build() if kept_as is None else kept(("unit_progress_table", lang, *kept_as), build)
    data_table(table, screen=screen)
    download(table, "tien-do-theo-don-vi.csv", lang, key=f"download_{key}")


def _unit_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows of :func:`unit_progress_table`, as downloaded."""
    return pd.DataFrame({
        label("col_unit", lang): frame.unit_name,
        label("tasks_total", lang): frame.total,
        label("tasks_done", lang): frame.done,
        label("tasks_overdue", lang): frame.overdue,
        label("tasks_not_reported", lang): frame.not_reported,
        label("col_share_done", lang): [format_number(s, 2, lang) + " %" for s in frame.share],
        label("tasks_completeness", lang): [completeness_text(c, lang) for c in frame.completeness],
    })


def progress_form(ds, frame: pd.DataFrame, user: User | None, lang: str, key: str) -> None:
    """Update one occurrence. The choices offered to a reporter are its unit's tasks (a courtesy: the engine
    refuses any other in the transaction that writes)."""
    st.subheader(label("enter_progress", lang))
    st.caption(label("enter_progress_help", lang))
    if user is None or not user.can("reporter"):
        st.info(label("needs_reporter", lang))
        if user is None:
            sign_in_form(lang)
        return
    if not user.can("analyst") and user.unit is not None:
        mine = lineage(ds.store.units(kinds=DEPARTMENT_KINDS), user.unit)
        allowed = [any((p, pd.Timestamp(d).date(), c) in mine for c in str(codes or "").split(";"))
                   for codes, p, d in zip(frame.lead_unit_codes, frame.province_code, frame.province_valid_from)]
        frame = frame[pd.Series(allowed, index=frame.index)]
    if frame.empty:
        st.info(label("no_unit_tasks", lang))
        return
    rows = frame.reset_index(drop=True)
    names = [f"{r.plan_number} · {r.ref}{' · ' + r.occurrence if r.occurrence else ''} — {r.task[:90]}"
             for r in rows.itertuples()]
    chosen = st.selectbox(label("choose_task", lang), range(len(rows)), format_func=lambda i: names[i],
                          key=f"{key}_task", placeholder=label("choose", lang))
    row = rows.iloc[chosen]
    with st.form(f"{key}_form"):
        status = st.selectbox(label("col_task_status", lang), STATUSES, index=STATUSES.index(row.status),
                              format_func=lambda s: label(s, lang), placeholder=label("choose", lang))
        left, right = st.columns(2)
        completed = left.date_input(label("col_completed_on", lang), value=_day(row.completed_on), format="DD/MM/YYYY")
        evidence_date = right.date_input(label("col_evidence_date", lang), value=_day(row.evidence_date),
                                         format="DD/MM/YYYY")
        evidence = st.text_input(label("col_evidence", lang), value="" if pd.isna(row.evidence) else row.evidence)
        note = st.text_area(label("note", lang), value="" if pd.isna(row.progress_note) else row.progress_note)
        submitted = st.form_submit_button(label("save", lang))
    if not submitted:
        return
    content = _one_row(row, status, completed, evidence, evidence_date, note)
    store = get_store()
    result = imports.preview(store, "form.csv", content, imports.Context(ds.registry, ds.indicators))
    if not result.ok:
        for problem in result.problems:
            st.error(md(problem.vi if lang == "vi" else problem.en))
        return
    if result.counts["insert"] + result.counts["change"] == 0:
        st.info(label("progress_unchanged", lang))
        return
    try:
        done = imports.commit(store, result, user, replace=True, channel="form")
    except (ConflictError, ImportRefused, PermissionDenied, StorageFailed, DatabaseUnusable) as error:
        st.error(md(getattr(error, lang, None) or str(error)))
        return
    after_write()
    st.session_state[f"{key}_done"] = label("progress_saved", lang, batch=done.batch_id,
                                            old=label(row.status, lang), new=label(status, lang))
    st.rerun()


def show_saved(key: str) -> None:
    message = st.session_state.pop(f"{key}_done", None)
    if message:
        st.success(message)


def _day(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _one_row(row, status: str, completed: date | None, evidence: str, evidence_date: date | None, note: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["plan", "ref", "occurrence", "status", "completed_on", "evidence", "evidence_date", "note"])
    writer.writerow([row.plan_id, row.ref, row.occurrence, status, completed.isoformat() if completed else "",
                     evidence.strip(), evidence_date.isoformat() if evidence_date else "", note.strip()])
    return out.getvalue().encode("utf-8")


def preview_rows(kind: str, rows: pd.DataFrame, lang: str, province_name, old: bool) -> pd.DataFrame:
    """The rows of an import preview as the Import page shows them, whatever the layout: the file's row, where
    (province, unit or plan), what (indicator, criterion or task), the period, and the old and new value."""
    if kind == "progress":
        out = {label("col_row", lang): rows.row, label("col_plan", lang): rows.plan_number, "#": rows.ref,
               label("col_occurrence", lang): rows.occurrence}
        old_column, new_column = rows.old_status.map(lambda s: label(s, lang) if isinstance(s, str) else "—"), \
            rows.progress_status.map(lambda s: label(s, lang))
    elif kind == "unit_index":
        if "criterion_code" not in rows:        # criteria only
            return pd.DataFrame({label("col_code", lang): rows.code, label("col_title", lang): rows.name,
                                 label("year", lang): rows.year})
        out = {label("col_row", lang): rows.row, label("col_unit", lang): rows.unit_code + " " + rows.unit_name,
               label("year", lang): rows.year, label("col_task_status", lang): rows.stage,
               label("col_code", lang): rows.criterion_code}
        old_column, new_column = rows.old_points, rows.points
    else:
        value = "value" if kind == "actuals" else "target_value"
        period = "period" if kind == "actuals" else "deadline_period"
        out = {label("col_row", lang): rows.row, label("province", lang): province_name(rows),
               label("indicator", lang): rows.indicator_code, label("col_period_short", lang): rows[period]}
        if kind == "actuals" and "unit_code" in rows and (rows.unit_code != "").any():
            out[label("col_unit", lang)] = rows.unit_code
        old_column, new_column = rows.get("old_value"), rows[value]
    if old:
        out[label("col_old", lang)] = old_column
    out[label("col_new", lang)] = new_column
    return pd.DataFrame(out)


def reporter_units(store) -> dict[tuple, str]:
    """The units a reporter can belong to (those valid today), for the admin's choice: key → "code — name"."""
    units = store.units()
    units = units[units.valid_to.isna()]
    return {(r.province_code, pd.Timestamp(r.province_valid_from).date(), r.code):
            f"{r.code} — {r.name} ({r.province_name})" for r in units.itertuples()}
