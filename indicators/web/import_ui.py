"""The Import page's tables in the analyst's terms: the batch list (who, when, the file, the rows added, changed,
unchanged and refused, the status in words; never the file's hash, never a missing value as None) and an import's
preview (province and indicator names, figures in the reader's number format, each source exactly as typed)."""

from __future__ import annotations

from typing import Callable

import pandas as pd

from indicators.i18n import N_, format_number, label, texts

from .task_ui import preview_rows

# a batch's kind, channel and status in words: label(f"batch_kind_{kind}"), label(f"channel_{channel}"), …
BATCH_WORDS = (N_("batch_kind_actuals"), N_("batch_kind_targets"), N_("batch_kind_progress"), N_("batch_kind_units"),
               N_("batch_kind_unit_index"), N_("channel_upload"), N_("channel_web"), N_("channel_form"),
               N_("channel_cli"), N_("channel_reference"), N_("batch_status_imported"), N_("batch_status_undone"),
               N_("batch_status_refused"))
# a batch's counts: the column's label, the batch list's column
COUNTS = ((N_("col_rows_added"), "rows_added"), (N_("col_rows_changed"), "rows_changed"),
          (N_("col_rows_unchanged"), "rows_unchanged"), (N_("col_rows_refused"), "rows_refused"))


# the audit list's actions and outcomes in words: label(f"audit_action_{action}"), label(f"audit_outcome_{outcome}")
AUDIT_WORDS = (N_("audit_action_sign_in"), N_("audit_action_backup"), N_("audit_action_build"),
               N_("audit_action_restore"), N_("audit_outcome_ok"), N_("audit_outcome_failed"),
               N_("audit_outcome_throttled"), N_("audit_outcome_unlocked"), N_("audit_outcome_replaced"),
               N_("audit_outcome_checking"))


def missing(value: object) -> bool:
    """None, NaN, NaT or pandas' NA (a count of a batch of an older version, a file without a name)."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def text(value: object) -> str:
    """A stored text as it is; a missing one as an empty cell (never the word None or nan)."""
    return "" if missing(value) else str(value)


def stamp(value: object) -> str:
    return "" if missing(value) else f"{pd.Timestamp(value):%d/%m/%Y %H:%M}"


def word(prefix: str, code: object, lang: str) -> str:
    """A stored code (a batch's kind, its channel, its status) in words; a code without a label as it is."""
    key = f"{prefix}_{code}"
    return label(key, lang) if key in texts(lang) else text(code)


def count(value: object, lang: str) -> str:
    """A batch's count in the reader's number format; a batch of an older version has none: —."""
    return format_number(None if missing(value) else int(value), lang=lang)


def batches_shown(batches: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The import batches as the page lists them, the latest first; each source exactly as stored, as plain
    text."""
    return pd.DataFrame({
        label("col_batch", lang): batches.id,
        label("col_imported_by", lang): [text(v) for v in batches.imported_by],
        label("col_imported_at", lang): [stamp(v) for v in batches.imported_at],
        label("col_file", lang): [text(v) for v in batches.file_name],
        **{label(key, lang): [count(v, lang) for v in batches[name]] for key, name in COUNTS},
        label("col_status", lang): [word("batch_status", v, lang) for v in batches.status],
        label("col_batch_kind", lang): [word("batch_kind", k if isinstance(k, str) else "actuals", lang)
                                        for k in batches.kind],
        label("col_channel", lang): [word("channel", c, lang) for c in batches.source_kind],
        label("col_source", lang): [text(v) for v in batches.source],
        label("col_sheet", lang): [text(v) for v in batches.sheet],
        label("col_undone_by", lang): [text(v) for v in batches.undone_by],
        label("col_undone", lang): [stamp(v) for v in batches.undone_at]})


def figure(value: object, lang: str) -> str:
    """A figure with the decimals it has (up to 6) in the reader's language: ``1.234,5`` / ``1,234.5``;
    missing → —; a word (a task's status) as it is."""
    if missing(value):
        return "—"
    if not pd.api.types.is_number(value) or isinstance(value, bool):
        return str(value)
    decimals = len(f"{float(value):.6f}".rstrip("0").split(".")[1])
    return format_number(float(value), decimals, lang)


def preview_table(kind: str, rows: pd.DataFrame, lang: str, province_names: Callable[[pd.DataFrame], list[str]],
                  old: bool, indicator_names: dict[str, str], unit_names: Callable[[], dict]) -> pd.DataFrame:
    """A preview's rows as the page lists them: province, indicator and unit names instead of codes, figures in
    the reader's number format (the stored values stay exact) and, for figures, the source (and the one it
    replaces) exactly as typed or as the file holds it."""
    table = preview_rows(kind, rows, lang, province_names, old=old)
    for column_key in ("col_old", "col_new"):
        if label(column_key, lang) in table:
            table[label(column_key, lang)] = [figure(v, lang) for v in table[label(column_key, lang)]]
    if kind not in ("actuals", "targets"):
        return table
    table[label("indicator", lang)] = [indicator_names.get(c, c) for c in rows.indicator_code]
    unit = label("col_unit", lang)
    if unit in table:
        names = unit_names()
        table[unit] = [names.get((c, pd.Timestamp(d).date(), u), u) if u else "" for c, d, u in
                       zip(rows.province_code, rows.province_valid_from, rows.unit_code)]
    if kind == "actuals":
        if old and "old_source" in rows:
            table[label("col_source", lang) + " (" + label("col_old", lang).lower() + ")"] = \
                [text(v) for v in rows.old_source]
        table[label("col_source", lang)] = [text(v) for v in rows.source]
    return table


def audit_shown(events: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The sign-ins and data-replacing commands as the users' tab lists them: when, who, what, how it ended, from
    where and the detail, in words (a code without a label as stored); names and details exactly as stored."""
    return pd.DataFrame({
        label("col_when", lang): [stamp(v) for v in events.happened_at],
        label("col_user", lang): [text(v) for v in events.name],
        label("col_action", lang): [word("audit_action", v, lang) for v in events.action],
        label("col_outcome", lang): [word("audit_outcome", v, lang) for v in events.outcome],
        label("col_from", lang): [word("channel", v, lang) for v in events.channel],
        label("col_detail", lang): [text(v) for v in events.detail]})
