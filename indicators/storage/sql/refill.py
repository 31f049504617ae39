"""Refilling the reference tables (one transaction, in :meth:`SqlStore.refill`) with what the build service
(:mod:`indicators.services.building`) read from ``data/``: regions,
provinces and their aliases, the indicator catalogue, the reviewed plans with their targets and tasks, and one
import batch per shipped file of ``data/actuals`` (kept when unchanged, replaced when its bytes changed)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import duckdb
import pandas as pd

from indicators.domain.periods import parse_period
from indicators.domain.registry import province_keys

from ..base import NewBatch

Cursor = duckdb.DuckDBPyConnection
# Reference tables, in the order they are emptied and refilled.
REFERENCE_TABLES = ("region", "province", "province_alias", "indicator_family", "indicator",
                    "indicator_method_change", "plan", "task", "unit_group")


def refill(cur: Cursor, reference: Any, actual_files: list[Any], new_batch: Callable[..., int]) -> None:
    """Empty and refill the reference tables and sync the shipped actuals, inside the caller's transaction.
    ``reference`` is the reviewed data of ``data/`` as the build service loaded and checked it (regions,
    provinces, the catalogue, plans, units); ``actual_files`` the shipped files of ``data/actuals``.
    Analysts' batches are never touched; reference data that would orphan one of their actuals, or clash with
    one, is refused (ValueError). ``new_batch`` writes a batch's row (:func:`.identity.new_batch`)."""
    _refuse_orphans(cur, reference)
    for table in REFERENCE_TABLES:
        cur.execute(f"DELETE FROM {table}" + (" WHERE origin = 'reference'" if table == "plan" else ""))
    cur.execute("DELETE FROM target WHERE origin = 'reference'")
    for table in ("unit", "unit_alias", "unit_successor"):
        cur.execute(f"DELETE FROM {table} WHERE origin = 'reference'")
    _insert_reference(cur, reference)
    if reference.units is not None:
        _insert_units(cur, reference.units)
    _sync_actual_files(cur, actual_files, new_batch)


def _actual_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Actual rows (province key, indicator, period, value, optionally source and note) ready to
    insert: each distinct period parsed once, its kind and first and last day added."""
    periods = {text: parse_period(text) for text in rows.period.astype(str).unique()}
    parsed = rows.period.astype(str).map(periods)
    return pd.DataFrame({
        "province_code": rows.province_code, "province_valid_from": rows.province_valid_from,
        "indicator_code": rows.indicator_code, "period": parsed.map(lambda p: p.text),
        "period_kind": parsed.map(lambda p: p.kind), "period_start": parsed.map(lambda p: p.start),
        "period_end": parsed.map(lambda p: p.end), "value": rows.value.astype(float),
        "source": rows["source"] if "source" in rows else None, "note": rows["note"] if "note" in rows else None})


def _insert_actuals(cur: Cursor, frame: pd.DataFrame, batch_id: int) -> None:
    """Insert actual rows (a frame made by :func:`_actual_frame`) as one set; the frame is bound, not pasted."""
    frame = frame.assign(batch_id=batch_id)
    cur.register("incoming_actuals", frame)
    try:
        cur.execute("""
            INSERT INTO actual (province_code, province_valid_from, indicator_code, period, period_kind,
                                period_start, period_end, value, source, batch_id, note)
            SELECT province_code, CAST(province_valid_from AS DATE), indicator_code, period, period_kind,
                   CAST(period_start AS DATE), CAST(period_end AS DATE), CAST(value AS DOUBLE), source,
                   batch_id, note
            FROM incoming_actuals""")
    finally:
        cur.unregister("incoming_actuals")


def _sync_actual_files(cur: Cursor, files: list[Any], new_batch: Callable[..., int]) -> None:
    """One batch per shipped file: kept when unchanged, replaced when changed, dropped when gone."""
    existing = {name: (batch_id, digest) for batch_id, name, digest in cur.execute(
        "SELECT id, file_name, file_sha256 FROM import_batch WHERE source_kind = 'reference'").fetchall()}
    listed = {f.name for f in files}
    for name, (batch_id, _) in existing.items():
        if name not in listed:
            _drop_batch(cur, batch_id)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for shipped in files:
        old = existing.get(shipped.name)
        if old and old[1] == shipped.sha256:
            continue
        if old:
            _drop_batch(cur, old[0])
        batch_id = new_batch(NewBatch(
            source=shipped.source, source_kind="reference", file_name=shipped.name, file_sha256=shipped.sha256,
            imported_by="build", imported_at=now, row_count=len(shipped.rows),
            note="shipped with the dashboard in data/actuals"))
        if shipped.scope == "province":
            _refuse_clashes(cur, shipped)
            _insert_actuals(cur, _actual_frame(shipped.rows), batch_id)
            _log_inserts(cur, batch_id, "build", now)
        else:
            _insert_national(cur, shipped.rows, batch_id)


def _log_inserts(cur: Cursor, batch_id: int, who: str, when: datetime) -> None:
    """The history rows of a batch whose actuals were all new."""
    cur.execute("""
        INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, unit_code, indicator_code,
                                    period, new_value, new_source, new_note, new_batch_id, changed_by, changed_at)
        SELECT batch_id, 'insert', province_code, province_valid_from, unit_code, indicator_code, period, value,
               source, note, batch_id, ?, ? FROM actual WHERE batch_id = ?""", [who, when, batch_id])


def _insert_national(cur: Cursor, rows: pd.DataFrame, batch_id: int) -> None:
    frame = rows.assign(period_end=rows.period.map(lambda p: parse_period(p).end), batch_id=batch_id)
    cur.register("incoming_national", frame)
    try:
        cur.execute("""
            INSERT INTO national_value (indicator_code, period, statistic, period_end, value, source, batch_id)
            SELECT indicator_code, period, statistic, CAST(period_end AS DATE), CAST(value AS DOUBLE), source, batch_id
            FROM incoming_national""")
    finally:
        cur.unregister("incoming_national")


def _refuse_clashes(cur: Cursor, shipped: Any) -> None:
    """A shipped figure may not land on a key an analyst has already filled."""
    cur.register("shipped_keys", shipped.rows[["province_code", "province_valid_from", "indicator_code", "period"]])
    try:
        clashes = cur.execute("""
            SELECT a.province_code, a.indicator_code, a.period, a.batch_id FROM actual a
            JOIN shipped_keys s ON s.province_code = a.province_code
             AND CAST(s.province_valid_from AS DATE) = a.province_valid_from
             AND s.indicator_code = a.indicator_code AND s.period = a.period AND a.unit_code = ''
            LIMIT 5""").fetchall()
    finally:
        cur.unregister("shipped_keys")
    if clashes:
        raise ValueError(f"actuals/{shipped.name} has figures for keys that imported batches already hold: {clashes}")


def _drop_batch(cur: Cursor, batch_id: int) -> None:
    cur.execute("""
        INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, unit_code, indicator_code,
                                    period, old_value, old_source, old_note, old_batch_id, changed_by, changed_at)
        SELECT batch_id, 'drop', province_code, province_valid_from, unit_code, indicator_code, period, value, source,
               note, batch_id, 'build', now()::TIMESTAMP FROM actual WHERE batch_id = ?""", [batch_id])
    cur.execute("DELETE FROM actual WHERE batch_id = ?", [batch_id])
    cur.execute("DELETE FROM national_value WHERE batch_id = ?", [batch_id])
    cur.execute("DELETE FROM import_batch WHERE id = ?", [batch_id])


def _refuse_orphans(cur: Cursor, reference: Any) -> None:
    """Stop a build whose reference data no longer has what stored actuals point at."""
    known_indicators = {i["code"] for i in reference.indicators}
    known_provinces = {(p["code"], p["valid_from"]) for p in reference.provinces}
    used_indicators = {r[0] for r in cur.execute(
        "SELECT indicator_code FROM actual UNION SELECT indicator_code FROM national_value").fetchall()}
    used_indicators |= {r[0] for r in cur.execute(
        "SELECT indicator_code FROM target WHERE origin <> 'reference'").fetchall()}
    used_provinces = set(cur.execute(
        "SELECT DISTINCT province_code, province_valid_from FROM actual UNION SELECT province_code, province_valid_from"
        " FROM target WHERE origin <> 'reference' UNION SELECT province_code, province_valid_from FROM period_lock"
        ).fetchall())
    clashing = sorted({r[0] for r in cur.execute("SELECT id FROM plan WHERE origin <> 'reference'").fetchall()}
                      & {p["id"] for p in reference.plans})
    if clashing:
        raise ValueError(f"plans {clashing} were entered by an analyst and are now also in data/plans")
    if reference.units is not None:
        imported = set(cur.execute("SELECT province_code, province_valid_from, code FROM unit"
                                   " WHERE origin <> 'reference'").fetchall())
        shipped = {(r["province_code"], r["province_valid_from"], r["code"]) for r in reference.units.rows
                   if r["province_code"]}
        both = sorted(f"{p}@{d}:{c}" for p, d, c in imported & shipped)
        if both:
            raise ValueError(f"units {both[:5]} were added by an analyst and are now also in data/units")
    missing = sorted(used_indicators - known_indicators)
    missing += sorted(f"{c}@{d}" for c, d in used_provinces - known_provinces)
    if missing:
        raise ValueError(f"stored actuals refer to {missing}, which the reference data no longer has")


def _insert_reference(cur: Cursor, ref: Any) -> None:
    cur.executemany("INSERT INTO region VALUES (?, ?, ?)",
                    [[r["code"], r["name_vi"], r["name_en"]] for r in ref.regions])
    cur.executemany(
        "INSERT INTO province VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[p["code"], p["valid_from"], p["valid_to"], p["name"], p["full_name"], p["name_ascii"], p["region"],
          p["successor_code"] or None, p.get("successor_valid_from")] for p in ref.provinces])
    cur.executemany("INSERT INTO province_alias VALUES (?, ?, ?)",
                    [[key, p["code"], p["valid_from"]] for p in ref.provinces for key in sorted(province_keys(p))])
    cur.executemany("INSERT INTO indicator_family VALUES (?, ?, ?)",
                    [[f["code"], f["name_vi"], f["name_en"]] for f in ref.catalogue["families"]])
    units = ref.catalogue["units"]
    cur.executemany(
        "INSERT INTO indicator (code, family, parent_code, name_vi, name_en, unit, unit_vi, unit_en, decimals,"
        " direction, min_value, max_value, publisher, frequency, first_year, notes, replaced_by, replaced_from,"
        " replaced_source, reform_area) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[i["code"], i["family"], i.get("parent"), i["name_vi"], i["name_en"], i["unit"],
          units[i["unit"]]["vi"], units[i["unit"]]["en"], i["decimals"], i["direction"], i["min_value"],
          i.get("max_value"), i["publisher"], i["frequency"], i.get("first_year"), i.get("notes"),
          *((i["replaced_by"]["indicator"], i["replaced_by"]["from"], i["replaced_by"]["source"])
            if i.get("replaced_by") else (None, None, None)), i.get("reform_area")]
         for i in ref.indicators])
    changes = [[i["code"], c["from_year"], c["note_vi"], c["note_en"]]
               for i in ref.indicators for c in i.get("method_changes", [])]
    if changes:
        cur.executemany("INSERT INTO indicator_method_change VALUES (?, ?, ?, ?)", changes)
    for plan in ref.plans:
        province = plan["province"]
        cur.execute("INSERT INTO plan (id, number, doc_type, issuer, province_code, province_valid_from, issued_on,"
                    " period_start, period_end, title, source_file, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " 'reference')",
                    [plan["id"], plan["number"], plan["doc_type"], plan["issuer"], province["code"],
                     province["valid_from"], plan["issued_on"], plan["period_start"], plan["period_end"],
                     plan["title"], plan["source_file"]])
        if plan["targets"]:
            cur.executemany(
                "INSERT INTO target (id, plan_id, province_code, province_valid_from, indicator_code, comparator,"
                " target_value, target_high, baseline_period, baseline_value, start_period, deadline_period,"
                " recurring, source_quote, note, origin, owner_unit_code, not_stated, reform_area) VALUES (?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'reference', ?, ?, ?)",
                [[t["id"], plan["id"], province["code"], province["valid_from"], t["indicator"], t["comparator"],
                  t["value"], t.get("value_high"), t.get("baseline_period"), t.get("baseline_value"), t["start"],
                  t["deadline"], bool(t.get("recurring", False)), " ".join(t["quote"].split()), t.get("note"),
                  ";".join(t.get("_owner", [])) or None, ";".join(t.get("not_stated", [])) or None,
                  t.get("reform_area")]
                 for t in plan["targets"]])
        if plan["tasks"]:
            cur.executemany(
                "INSERT INTO task (plan_id, ref, area, task, product, lead_body, partners, start_period,"
                " deadline_period, recurring, note, lead_unit_codes, partner_unit_codes, due_in_year, section,"
                " not_stated, reform_area) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[plan["id"], k["ref"], k["area"], " ".join(k["task"].split()), k.get("product"),
                  k.get("lead_body") or None, k.get("partners") or None, k["start"], k["deadline"],
                  bool(k.get("recurring", False)), k.get("note"), ";".join(k.get("_lead", [])) or None,
                  ";".join(k.get("_partners", [])) or None, k.get("due_in_year"), k.get("section"),
                  ";".join(k.get("not_stated", [])) or None, k.get("reform_area")]
                 for k in plan["tasks"]])


def _insert_units(cur: Cursor, units) -> None:
    """The units, their aliases and successors, and the groups, each as one set."""
    rows = [r for r in units.rows if r["kind"] != "group"]
    frame = pd.DataFrame({
        "province_code": [r["province_code"] for r in rows],
        "province_valid_from": [r["province_valid_from"] for r in rows],
        "code": [r["code"] for r in rows], "kind": [r["kind"] for r in rows], "name": [r["name"] for r in rows],
        "valid_from": [r["valid_from"] for r in rows], "valid_to": [r["valid_to"] for r in rows],
        "parent_code": [r["parent_code"] for r in rows], "lat": [r["lat"] for r in rows],
        "lon": [r["lon"] for r in rows], "area_km2": [r["area_km2"] for r in rows],
        "source": [r["source"] for r in rows], "note": [r["note"] for r in rows]})
    successors = pd.DataFrame(
        [(r["province_code"], r["province_valid_from"], r["code"], n, code, record_from)
         for r in rows for n, (code, record_from) in enumerate(r["successors"])],
        columns=["province_code", "province_valid_from", "code", "position", "successor_code", "successor_from"])
    aliases = pd.DataFrame(
        sorted({(r["province_code"], r["province_valid_from"], alias, r["code"]) for r in rows
                for alias in r["aliases"]}), columns=["province_code", "province_valid_from", "alias", "code"])
    for name, table, sql in (
            ("incoming_units", frame, """INSERT INTO unit (province_code, province_valid_from, code, kind, name,
                valid_from, valid_to, parent_code, lat, lon, area_km2, source, note, origin)
                SELECT province_code, CAST(province_valid_from AS DATE), code, kind, name, CAST(valid_from AS DATE),
                       CAST(valid_to AS DATE), parent_code, lat, lon, area_km2, source, note, 'reference'
                FROM incoming_units"""),
            ("incoming_successors", successors, """INSERT INTO unit_successor SELECT province_code,
                CAST(province_valid_from AS DATE), code, position, successor_code, CAST(successor_from AS DATE),
                'reference' FROM incoming_successors"""),
            ("incoming_aliases", aliases, """INSERT INTO unit_alias SELECT province_code,
                CAST(province_valid_from AS DATE), alias, code, 'reference' FROM incoming_aliases""")):
        cur.register(name, table)
        try:
            cur.execute(sql)
        finally:
            cur.unregister(name)
    cur.executemany("INSERT INTO unit_group VALUES (?, ?, ?)",
                    [[r["code"], r["name"], r["name_en"] or r["name"]] for r in units.rows if r["kind"] == "group"])
