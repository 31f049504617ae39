"""Import: analysts upload actuals or targets (preview, confirm, undo); admins lock periods and manage users.

Everything that writes goes through indicators.imports / indicators.services.auth, which check the user's role in the
database inside the transaction: hiding a button here is a courtesy, not the protection.
"""

import pandas as pd
import streamlit as st

from indicators import imports
from indicators.domain.periods import PeriodError, parse_period
from indicators.domain.plain import md
from indicators.i18n import N_, column, format_number, label
from indicators.imports import ConflictError, ImportRefused
from indicators.imports.ministry_tables import TABLES as MINISTRY_TABLES
from indicators.imports.ministry_tables import template_bytes as ministry_template
from indicators.services.auth import (
    ROLES,
    PermissionDenied,
    UserError,
    add_user,
    audit,
    backup_database,
    list_users,
    set_user,
)
from indicators.services.templates import indicator_list, template_bytes
from indicators.services.views import parse_key_text, province_label
from indicators.storage import BackupFailed, DatabaseUnusable, StorageFailed, backups, check_backup, default_backup_path
from indicators.web.cache import get_dataset, get_store
from indicators.web.import_ui import audit_shown, batches_shown, preview_table, stamp, text
from indicators.web.task_ui import reporter_units
from indicators.web.ui import (
    after_write,
    data_table,
    download,
    language,
    lazy_tabs,
    province_picker,
    sign_in_form,
    user_box,
)

lang = language()
st.title(label("page_import", lang))
user = user_box(lang)
if user is None or not user.can("reporter"):
    st.warning(label("needs_analyst", lang))
    if user is None:
        sign_in_form(lang)
    st.stop()

ds = get_dataset()
store = get_store()


def say(error: Exception) -> None:
    """An engine refusal in the page's language."""
    st.error(md(getattr(error, lang, None) or str(error)))


def _changes(store) -> pd.DataFrame:
    """Every change made by an import or an undo (the build's own rows left out), read when downloaded."""
    trail = store.history()
    return trail[trail.changed_by != "build"]


def locks_shown(locks: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        label("col_province", lang): [province_label(ds, (c, pd.Timestamp(d).date()), lang)
                                      for c, d in zip(locks.province_code, locks.province_valid_from)],
        label("col_period_short", lang): locks.period,
        label("col_locked_by", lang): locks.locked_by,
        label("col_locked_at", lang): [stamp(v) for v in locks.locked_at],
        label("note", lang): locks.note})


def users_shown(users: pd.DataFrame) -> pd.DataFrame:
    names = store.unit_names()
    return pd.DataFrame({
        label("user_name", lang): users.name,
        label("col_display_name", lang): users.display_name,
        label("col_role", lang): users.role,
        label("col_disabled", lang): users.disabled.astype(bool),
        label("col_unit_name", lang): [names.get((c, pd.Timestamp(d).date(), u), u) if isinstance(u, str) else ""
                                       for c, d, u in zip(users.unit_province_code, users.unit_province_valid_from,
                                                          users.unit_code)],
        label("col_created_by", lang): users.created_by,
        label("col_created_at", lang): [stamp(v) for v in users.created_at]})


codes = ["upload", "batches", "templates"] + (["locks", "users", "backup"] if user.can("admin") else [])
if not user.can("analyst"):
    st.caption(label("reporter_scope", lang, unit=user.unit[2] if user.unit else "—"))
tab, box = lazy_tabs(lang, codes)


def show_counts(counts: dict[str, int]) -> None:
    for card, (name, key) in zip(st.columns(4), (("insert", N_("count_insert")), ("change", N_("count_change")),
                                                 ("unchanged", N_("count_unchanged")),
                                                 ("rejected", N_("count_rejected")))):
        card.metric(label(key, lang), format_number(counts[name], lang=lang))


def show_refused(result) -> None:
    """A refused file: the refusal first, then the counts and each refused row with its column and reason."""
    st.error(label("rejected_title", lang, shown=len(result.problems), total=result.problem_count))
    show_counts(result.counts)
    problems = pd.DataFrame({
        label("col_row", lang): [p.row for p in result.problems],
        label("col_column", lang): [p.column or "" for p in result.problems],
        label("col_value", lang): [p.value or "" for p in result.problems],
        label("col_reason", lang): [p.vi if lang == "vi" else p.en for p in result.problems]})
    data_table(problems)
    download(problems, "rejected-rows.csv", lang, key="download_problems")


def show_preview(result) -> None:
    """A checked file: what it would write (nothing to write is said first), then the rows and the commit."""
    counts = result.counts
    if counts["insert"] + counts["change"] == 0:
        st.info(label("nothing_to_write", lang))
    show_counts(counts)

    def names(rows: pd.DataFrame) -> list[str]:
        return [ds.registry.name((c, pd.Timestamp(d).date())) for c, d in
                zip(rows.province_code, rows.province_valid_from)]

    changes, extra = result.rows("change"), (ds.indicator_names(lang), store.unit_names)
    if len(changes):   # the first 500 of each: a preview, the counts above are complete
        st.subheader(label("changes_title", lang))
        data_table(preview_table(result.kind, changes.head(500), lang, names, True, *extra))
    inserts = result.rows("insert").head(500)
    if len(inserts):
        st.subheader(label("inserts_title", lang))
        data_table(preview_table(result.kind, inserts, lang, names, False, *extra))
    replace = len(changes) > 0 and st.checkbox(label("replace_confirm", lang, n=len(changes)), key="replace")
    if counts["insert"] + counts["change"] and st.button(
            label("commit", lang), type="primary", disabled=bool(len(changes)) and not replace, key="commit"):
        write(result, replace)


def write(result, replace: bool) -> None:
    try:
        done = imports.commit(store, result, user, replace=replace, channel="upload")
    except ConflictError as error:
        say(error)
        st.session_state.pop("_preview_key", None)  # the next run previews the file afresh
        st.button(label("preview_again", lang), key="preview_again")
    except (ImportRefused, PermissionDenied, StorageFailed, DatabaseUnusable) as error:
        say(error)
    else:
        after_write()
        st.session_state.pop("_preview_key", None)
        st.session_state["_uploads"] = st.session_state.get("_uploads", 0) + 1   # an empty file chooser
        st.session_state["_done"] = label("nothing_to_write", lang) if done.batch_id is None else label(
            "committed", lang, batch=done.batch_id, inserted=format_number(done.inserted, lang=lang),
            replaced=format_number(done.replaced, lang=lang), unchanged=format_number(done.unchanged, lang=lang))
        st.rerun()


def previewed(uploaded, source: str, indicator: str, year) -> imports.Preview:
    """One preview per file and options: the confirm button commits exactly the preview on the screen; if the
    database changed meanwhile, the engine refuses ("changed since your preview"). A refused file is recorded in
    the batch list once, as an attempt that wrote nothing."""
    content = uploaded.getvalue()
    sheet = None
    if uploaded.name.lower().endswith(".xlsx"):
        sheet = st.text_input(label("sheet", lang), key="sheet").strip() or None
    options = (imports.file_digest(content), uploaded.name, sheet, indicator, source, year)
    if st.session_state.get("_preview_key") != options:
        result = st.session_state["_preview"] = imports.preview(store, uploaded.name, content, imports.Context(
            ds.registry, ds.indicators, sheet=sheet, indicator=indicator or None, source=source, apart=True,
            user=user, year=int(year) if year else None))
        st.session_state["_preview_key"] = options
        try:
            imports.refused(store, result, user, channel="upload")
        except (StorageFailed, DatabaseUnusable) as error:
            say(error)
    return st.session_state["_preview"]


if tab == "upload":
    with box:
        if st.session_state.get("_done"):   # the outcome of the last write comes first
            st.success(st.session_state.pop("_done"))
        st.caption(label("import_intro", lang))
        uploaded = st.file_uploader(label("upload_file", lang), type=["csv", "xlsx"],
                                    key=f"upload_{st.session_state.get('_uploads', 0)}")
        left, right = st.columns(2)
        source = left.text_input(label("batch_source", lang), help=label("batch_source_help", lang), key="batch_source")
        names = dict(zip(ds.indicators.code, ds.indicators[column("name", lang)]))
        indicator = right.selectbox(label("wide_indicator", lang), [""] + sorted(names), key="wide_indicator",
                                    placeholder=label("choose", lang),
                                    format_func=lambda c: f"{c} — {names[c]}" if c else "—")
        year = left.number_input(label("ministry_year", lang), min_value=2005, max_value=2100, value=None, step=1,
                                 key="ministry_year")  # the year of a Ministry's table (PAR INDEX, SIPAS, PCI, DTI)
        if uploaded is not None:
            result = previewed(uploaded, source, indicator, year)
            (show_preview if result.ok else show_refused)(result)

elif tab == "batches":
    with box:
        if st.session_state.get("_done"):   # the outcome of the undo comes first
            st.success(st.session_state.pop("_done"))
        batches = store.batches()
        mine = batches[(batches.source_kind != "reference") & (batches.status == "imported")
                       & ((batches.imported_by == user.name) | user.can("admin"))]
        if len(mine):
            left, right = st.columns([3, 1])
            listed = mine.set_index("id")
            chosen = left.selectbox(label("undo_batch", lang), list(mine.id), key="undo_choice",
                                    placeholder=label("choose", lang), format_func=lambda b: label(
                                        "batch_choice", lang, batch=b, file=text(listed.file_name[b]),
                                        who=listed.imported_by[b], when=stamp(listed.imported_at[b]),
                                        rows=format_number(listed.row_count[b], lang=lang)))
            if right.button(label("undo", lang), key="undo"):
                try:
                    restored = imports.undo(store, int(chosen), user)
                except (ConflictError, ImportRefused, PermissionDenied, StorageFailed, DatabaseUnusable) as error:
                    say(error)
                else:
                    after_write()
                    st.session_state["_done"] = label("undone", lang, batch=chosen, n=restored)
                    st.rerun()
        data_table(batches_shown(batches, lang))
        download(lambda: _changes(store), "history.csv", lang, key="download_history")

elif tab == "templates":
    with box:
        st.caption(label("templates_help", lang))
        st.download_button(label("template_csv", lang), template_bytes(ds.indicators, "csv"),
                           file_name="mau-nhap-so-lieu.csv", mime="text/csv", key="template_csv")
        st.download_button(label("template_xlsx", lang), template_bytes(ds.indicators, "xlsx", ds.provinces),
                           file_name="mau-nhap-so-lieu.xlsx", key="template_xlsx")
        st.download_button(label("target_template", lang), template_bytes(ds.indicators, "xlsx", ds.provinces,
                                                                          targets=True),
                           file_name="mau-muc-tieu.xlsx", key="target_template")
        st.caption(label("ministry_templates_help", lang))
        for table in MINISTRY_TABLES:   # as published, one row per province, the headers in Vietnamese
            for kind in ("xlsx", "csv"):
                st.download_button(label("ministry_template", lang, table=table.title, kind=kind),
                                   ministry_template(table, kind, ds.provinces if kind == "xlsx" else None),
                                   file_name=f"bang-{table.name}.{kind}", key=f"ministry_{table.name}_{kind}")
        download(indicator_list(ds.indicators), "indicator-codes.csv", lang, key="indicator_codes")

elif tab == "locks":
    with box:
        with st.form("lock_form"):
            key_text = province_picker(ds, lang, name="lock_province", default="42@2025", key="lock_province")
            period_text = st.text_input(label("period_text", lang), key="lock_period")
            note = st.text_input(label("note", lang), key="lock_note")
            locking = st.form_submit_button(label("lock", lang))
        if locking:
            try:
                period = parse_period(period_text.strip().upper())
                imports.lock_period(store, user, parse_key_text(ds, key_text), period.text, note or None)
            except PeriodError as error:
                st.error(md(str(error)))
            except (ImportRefused, PermissionDenied, StorageFailed, DatabaseUnusable) as error:
                say(error)
            else:
                after_write()
                st.success(label("locked", lang, period=period.text, province=md(key_text)))
        locks = store.locks()
        if locks.empty:
            st.info(label("no_locks", lang))
        else:
            data_table(locks_shown(locks))
            choices = [f"{r.province_code}@{r.province_valid_from:%Y}|{r.period}" for r in locks.itertuples()]
            left, right = st.columns([3, 1])
            chosen = left.selectbox(label("unlock", lang), choices, key="unlock_choice",
                                    placeholder=label("choose", lang))
            if right.button(label("unlock", lang), key="unlock"):
                key_part, period_part = chosen.split("|")
                try:
                    imports.unlock_period(store, user, parse_key_text(ds, key_part), period_part)
                except (ImportRefused, PermissionDenied, StorageFailed, DatabaseUnusable) as error:
                    say(error)
                else:
                    after_write()
                    st.rerun()

elif tab == "users":
    with box:
        users = list_users(store)
        data_table(users_shown(users))
        with st.form("add_user", clear_on_submit=True):
            st.markdown("**" + label("add_user", lang) + "**")
            name = st.text_input(label("user_name", lang), key="new_name")
            display = st.text_input(label("display_name", lang), key="new_display")
            role = st.selectbox(label("role", lang), ROLES, index=ROLES.index("analyst"), key="new_role",
                                placeholder=label("choose", lang))
            units = reporter_units(store)
            unit = st.selectbox(label("reporter_unit", lang), [None, *units], key="new_unit",
                                placeholder=label("choose", lang), format_func=lambda u: "—" if u is None else units[u])
            password = st.text_input(label("password", lang), type="password", key="new_password")
            adding = st.form_submit_button(label("add_user", lang))
        if adding:
            try:
                add_user(store, user, name, password, role, display or None, unit)
            except (UserError, PermissionDenied, StorageFailed, DatabaseUnusable) as error:
                say(error)
            else:
                st.session_state["_done"] = label("user_added", lang, name=md(name))
                st.rerun()
        # The user is chosen outside the form, so that the form shows that user's role and access as they are;
        # saving sends only what the admin changed.
        who = st.selectbox(label("change_user", lang), list(users.name), key="change_name",
                           placeholder=label("choose", lang))
        shown = users.set_index("name").loc[who]
        with st.form("change_user"):
            new_role = st.selectbox(label("role", lang), ROLES, index=ROLES.index(shown.role), key=f"change_role_{who}",
                                    placeholder=label("choose", lang))
            disabled = st.checkbox(label("disabled", lang), value=bool(shown.disabled), key=f"change_disabled_{who}")
            saving = st.form_submit_button(label("save", lang))
        if saving:
            changes = {"role": new_role if new_role != shown.role else None,
                       "disabled": disabled if disabled != bool(shown.disabled) else None}
            try:
                if any(v is not None for v in changes.values()):
                    set_user(store, user, who, **changes)
            except (UserError, PermissionDenied, StorageFailed, DatabaseUnusable) as error:
                say(error)
            else:
                st.session_state["_done"] = label("saved", lang)
                st.rerun()
        st.subheader(label("sign_in_audit", lang))
        data_table(audit_shown(audit(store), lang))
        if st.session_state.get("_done"):
            st.success(st.session_state.pop("_done"))

elif tab == "backup":
    with box:
        st.caption(label("backup_help", lang))
        if st.button(label("make_backup", lang), key="make_backup"):
            try:
                target = backup_database(store, user, default_backup_path(store.path), channel="web")
            except (PermissionDenied, BackupFailed) as error:
                say(error)
            else:
                counts = check_backup(target, server=store.path)
                st.success(label("backup_done", lang, path=md(target.name), actuals=counts["actual"]))
        made = backups(store.path)
        data_table(pd.DataFrame({label("col_file", lang): [p.name for p in made],
                                   "MB": [round(p.stat().st_size / 1e6, 1) for p in made]}),
                     hide_index=True, width="stretch")
