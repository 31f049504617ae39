"""The schema as named migrations, written once in DuckDB's SQL, applied once each, in order, each in the
transaction that records it in ``schema_migration``. A change of schema is a new entry at the end of
:data:`MIGRATIONS`, never an edit of one already shipped (a database built by an older version has applied it).

A DuckDB file runs them as they are (:func:`migrate`). PostgreSQL takes its DDL from their result
(:func:`scratch_schema`, read by :mod:`indicators.storage.pg.schema`) when a database is new, and runs a
migration's ``portable`` SQL in place when it is older."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import duckdb

# The tables as the dashboard had them before migrations were recorded; IF NOT EXISTS, so that a database
# built by an older version takes it as it is.
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS region (
    code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS province (
    code VARCHAR NOT NULL, valid_from DATE NOT NULL, valid_to DATE,
    name VARCHAR NOT NULL, full_name VARCHAR NOT NULL, name_ascii VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL, successor_code VARCHAR, successor_valid_from DATE,
    PRIMARY KEY (code, valid_from));
CREATE TABLE IF NOT EXISTS province_alias (
    alias_key VARCHAR NOT NULL, code VARCHAR NOT NULL, valid_from DATE NOT NULL,
    PRIMARY KEY (alias_key, code, valid_from));
CREATE TABLE IF NOT EXISTS indicator_family (
    code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS indicator (
    code VARCHAR PRIMARY KEY, family VARCHAR NOT NULL, parent_code VARCHAR,
    name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    unit VARCHAR NOT NULL, unit_vi VARCHAR NOT NULL, unit_en VARCHAR NOT NULL,
    decimals INTEGER NOT NULL, direction VARCHAR NOT NULL,
    min_value DOUBLE NOT NULL, max_value DOUBLE,
    publisher VARCHAR NOT NULL, frequency VARCHAR NOT NULL, first_year INTEGER, notes VARCHAR);
CREATE TABLE IF NOT EXISTS indicator_method_change (
    indicator_code VARCHAR NOT NULL, from_year INTEGER NOT NULL,
    note_vi VARCHAR NOT NULL, note_en VARCHAR NOT NULL, PRIMARY KEY (indicator_code, from_year));
CREATE TABLE IF NOT EXISTS plan (
    id VARCHAR PRIMARY KEY, number VARCHAR NOT NULL, doc_type VARCHAR NOT NULL, issuer VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, issued_on DATE NOT NULL,
    period_start VARCHAR NOT NULL, period_end VARCHAR NOT NULL, title VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS target (
    id VARCHAR PRIMARY KEY, plan_id VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL,
    indicator_code VARCHAR NOT NULL, comparator VARCHAR NOT NULL,
    target_value DOUBLE NOT NULL, target_high DOUBLE,
    baseline_period VARCHAR, baseline_value DOUBLE,
    start_period VARCHAR NOT NULL, deadline_period VARCHAR NOT NULL, recurring BOOLEAN NOT NULL,
    source_quote VARCHAR NOT NULL, note VARCHAR, origin VARCHAR NOT NULL DEFAULT 'reference');
CREATE TABLE IF NOT EXISTS task (
    plan_id VARCHAR NOT NULL, ref VARCHAR NOT NULL, area VARCHAR NOT NULL, task VARCHAR NOT NULL,
    product VARCHAR, lead_body VARCHAR, partners VARCHAR,
    start_period VARCHAR NOT NULL, deadline_period VARCHAR NOT NULL, recurring BOOLEAN NOT NULL,
    note VARCHAR, PRIMARY KEY (plan_id, ref));
CREATE SEQUENCE IF NOT EXISTS import_batch_id START 1;
CREATE TABLE IF NOT EXISTS import_batch (
    id BIGINT PRIMARY KEY DEFAULT nextval('import_batch_id'),
    source VARCHAR NOT NULL, source_kind VARCHAR NOT NULL, file_name VARCHAR, file_sha256 VARCHAR,
    imported_by VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL, row_count INTEGER NOT NULL,
    note VARCHAR);
CREATE TABLE IF NOT EXISTS actual (
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL,
    indicator_code VARCHAR NOT NULL, period VARCHAR NOT NULL, period_kind VARCHAR NOT NULL,
    period_start DATE NOT NULL, period_end DATE NOT NULL,
    value DOUBLE NOT NULL, source VARCHAR, batch_id BIGINT NOT NULL, note VARCHAR,
    PRIMARY KEY (province_code, province_valid_from, indicator_code, period));
CREATE SEQUENCE IF NOT EXISTS history_id START 1;
CREATE TABLE IF NOT EXISTS actual_history (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), batch_id BIGINT NOT NULL, action VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL,
    indicator_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
    old_value DOUBLE, old_source VARCHAR, old_note VARCHAR, old_batch_id BIGINT,
    new_value DOUBLE, new_source VARCHAR, new_note VARCHAR,
    changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS target_history (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), batch_id BIGINT NOT NULL, action VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL, old_row VARCHAR, new_row VARCHAR,
    changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS period_lock (
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, period VARCHAR NOT NULL,
    period_start DATE NOT NULL, period_end DATE NOT NULL, locked_by VARCHAR NOT NULL,
    locked_at TIMESTAMP NOT NULL, note VARCHAR,
    PRIMARY KEY (province_code, province_valid_from, period));
CREATE TABLE IF NOT EXISTS lock_history (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), action VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, period VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL, note VARCHAR);
CREATE TABLE IF NOT EXISTS app_user (
    name VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, role VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL, created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS audit_event (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), happened_at TIMESTAMP NOT NULL, name VARCHAR NOT NULL,
    action VARCHAR NOT NULL, outcome VARCHAR NOT NULL, channel VARCHAR NOT NULL, detail VARCHAR);
CREATE TABLE IF NOT EXISTS national_value (
    indicator_code VARCHAR NOT NULL, period VARCHAR NOT NULL, statistic VARCHAR NOT NULL,
    period_end DATE NOT NULL, value DOUBLE NOT NULL, source VARCHAR NOT NULL, batch_id BIGINT NOT NULL,
    PRIMARY KEY (indicator_code, period, statistic));
"""

# Columns added by versions before migrations were recorded (a file of such a version has some of them).
_ADDED_COLUMNS = """
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'actuals';
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS sheet VARCHAR;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS undone_by VARCHAR;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS undone_at TIMESTAMP;
ALTER TABLE plan ADD COLUMN IF NOT EXISTS origin VARCHAR DEFAULT 'reference';
ALTER TABLE plan ADD COLUMN IF NOT EXISTS batch_id BIGINT;
ALTER TABLE target ADD COLUMN IF NOT EXISTS batch_id BIGINT;
ALTER TABLE actual_history ADD COLUMN IF NOT EXISTS new_batch_id BIGINT;
"""

_DATA_CHANGE = """
CREATE SEQUENCE IF NOT EXISTS data_change_id START 1;
CREATE TABLE IF NOT EXISTS data_change (
    id BIGINT PRIMARY KEY DEFAULT nextval('data_change_id'), happened_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL,
    detail VARCHAR);
"""


def _backfill_history(cur: duckdb.DuckDBPyConnection) -> None:
    """Actuals of a batch that has no history at all (stored before the history existed) get their insert
    rows, so that replaying the history always gives the stored actuals."""
    cur.execute("""
        INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, indicator_code,
                                    period, new_value, new_source, new_note, new_batch_id, changed_by, changed_at)
        SELECT a.batch_id, 'insert', a.province_code, a.province_valid_from, a.indicator_code, a.period, a.value,
               a.source, a.note, a.batch_id, b.imported_by, b.imported_at
        FROM actual a JOIN import_batch b ON b.id = a.batch_id
        WHERE NOT EXISTS (SELECT 1 FROM actual_history h WHERE h.batch_id = a.batch_id)""")


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]
    # the same change as SQL both DuckDB and PostgreSQL run, for a migration a PostgreSQL database may still lack
    # (PostgreSQL databases start at the schema of the version that made them; later migrations run in place)
    portable: str | None = None


def _portable(name: str, text: str) -> Migration:
    return Migration(name, _sql(text), portable=text)


def _sql(text: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    return lambda cur: cur.execute(text)


# Which database this is, whatever file or server holds it: with the change log's count, the data version the
# pages' caches are keyed on (a copy of a file is the same database; a restore makes a new one).
_IDENTITY = "INSERT OR IGNORE INTO meta VALUES ('database_id', CAST(uuid() AS VARCHAR))"

MIGRATIONS = (
    Migration("0001_tables", _sql(_TABLES)),
    Migration("0002_added_columns", _sql(_ADDED_COLUMNS)),
    Migration("0003_history_of_older_batches", _backfill_history),
    Migration("0004_data_change_log", _sql(_DATA_CHANGE)),
    Migration("0005_database_identity", _sql(_IDENTITY)),
    # an indicator replaced by another from a period on (online services "mức độ 4" → "toàn trình", 2022)
    Migration("0006_indicator_replacement", _sql("""
        ALTER TABLE indicator ADD COLUMN IF NOT EXISTS replaced_by VARCHAR;
        ALTER TABLE indicator ADD COLUMN IF NOT EXISTS replaced_from VARCHAR;
        ALTER TABLE indicator ADD COLUMN IF NOT EXISTS replaced_source VARCHAR;""")),
    # units below the province (departments, communes, pre-2025 wards and districts), groups of units, and the
    # units that lead, partner and own the plans' tasks and targets
    Migration("0007_units", _sql("""
        CREATE TABLE IF NOT EXISTS unit (
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, code VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, name VARCHAR NOT NULL, valid_from DATE, valid_to DATE, parent_code VARCHAR,
            lat DOUBLE, lon DOUBLE, area_km2 DOUBLE, source VARCHAR, note VARCHAR,
            origin VARCHAR NOT NULL DEFAULT 'reference', batch_id BIGINT,
            PRIMARY KEY (province_code, province_valid_from, code));
        CREATE TABLE IF NOT EXISTS unit_alias (
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, alias VARCHAR NOT NULL,
            code VARCHAR NOT NULL, PRIMARY KEY (province_code, province_valid_from, alias, code));
        CREATE TABLE IF NOT EXISTS unit_successor (
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, code VARCHAR NOT NULL,
            position INTEGER NOT NULL, successor_code VARCHAR NOT NULL, successor_province_valid_from DATE NOT NULL,
            PRIMARY KEY (province_code, province_valid_from, code, position));
        CREATE TABLE IF NOT EXISTS unit_group (
            code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
        ALTER TABLE task ADD COLUMN IF NOT EXISTS lead_unit_codes VARCHAR;
        ALTER TABLE task ADD COLUMN IF NOT EXISTS partner_unit_codes VARCHAR;
        ALTER TABLE task ADD COLUMN IF NOT EXISTS due_in_year VARCHAR;
        ALTER TABLE task ADD COLUMN IF NOT EXISTS section VARCHAR;
        ALTER TABLE target ADD COLUMN IF NOT EXISTS owner_unit_code VARCHAR;""")),
    # the progress of each task occurrence, entered through the import engine, with its history; an account
    # scoped to one unit (a department's or a commune's reporter)
    Migration("0008_task_progress", _sql("""
        CREATE TABLE IF NOT EXISTS task_progress (
            plan_id VARCHAR NOT NULL, ref VARCHAR NOT NULL, occurrence VARCHAR NOT NULL, status VARCHAR NOT NULL,
            completed_on DATE, evidence VARCHAR, evidence_date DATE, note VARCHAR, batch_id BIGINT NOT NULL,
            PRIMARY KEY (plan_id, ref, occurrence));
        CREATE TABLE IF NOT EXISTS task_progress_history (
            id BIGINT NOT NULL DEFAULT nextval('history_id'), batch_id BIGINT NOT NULL, action VARCHAR NOT NULL,
            plan_id VARCHAR NOT NULL, ref VARCHAR NOT NULL, occurrence VARCHAR NOT NULL,
            old_row VARCHAR, new_row VARCHAR, changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL);
        ALTER TABLE app_user ADD COLUMN IF NOT EXISTS unit_province_code VARCHAR;
        ALTER TABLE app_user ADD COLUMN IF NOT EXISTS unit_province_valid_from DATE;
        ALTER TABLE app_user ADD COLUMN IF NOT EXISTS unit_code VARCHAR;""")),
    # actuals of a unit below the province (a department, a commune) in the same table: the unit is part of the
    # key ('' = the province itself), so the table is rebuilt with the wider primary key
    Migration("0009_unit_actuals", _sql("""
        CREATE TABLE actual_with_unit (
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL,
            indicator_code VARCHAR NOT NULL, period VARCHAR NOT NULL, period_kind VARCHAR NOT NULL,
            period_start DATE NOT NULL, period_end DATE NOT NULL,
            value DOUBLE NOT NULL, source VARCHAR, batch_id BIGINT NOT NULL, note VARCHAR,
            unit_code VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (province_code, province_valid_from, unit_code, indicator_code, period));
        INSERT INTO actual_with_unit SELECT province_code, province_valid_from, indicator_code, period, period_kind,
            period_start, period_end, value, source, batch_id, note, '' FROM actual;
        DROP TABLE actual;
        ALTER TABLE actual_with_unit RENAME TO actual;
        ALTER TABLE actual_history ADD COLUMN IF NOT EXISTS unit_code VARCHAR DEFAULT '';""")),
    # the province's own CCHC index of its departments and communes: criteria (areas → criteria, with their
    # maximum points) per province and year, and each unit's points, self-assessed and appraised
    Migration("0010_unit_index", _sql("""
        CREATE TABLE IF NOT EXISTS unit_index_criterion (
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, year INTEGER NOT NULL,
            scope VARCHAR NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL, max_points DOUBLE NOT NULL,
            batch_id BIGINT NOT NULL, PRIMARY KEY (province_code, province_valid_from, year, scope, code));
        CREATE TABLE IF NOT EXISTS unit_score (
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, unit_code VARCHAR NOT NULL,
            year INTEGER NOT NULL, stage VARCHAR NOT NULL, criterion_code VARCHAR NOT NULL, points DOUBLE NOT NULL,
            note VARCHAR, batch_id BIGINT NOT NULL,
            PRIMARY KEY (province_code, province_valid_from, unit_code, year, stage, criterion_code));
        CREATE TABLE IF NOT EXISTS unit_score_history (
            id BIGINT NOT NULL DEFAULT nextval('history_id'), batch_id BIGINT NOT NULL, action VARCHAR NOT NULL,
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, unit_code VARCHAR NOT NULL,
            year INTEGER NOT NULL, stage VARCHAR NOT NULL, criterion_code VARCHAR NOT NULL,
            old_points DOUBLE, old_note VARCHAR, old_batch_id BIGINT, new_points DOUBLE, new_note VARCHAR,
            changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL);""")),
    # units an analyst adds or retires through the import engine, with their history; their successors and
    # aliases are kept apart from the reference data a build refills
    Migration("0011_imported_units", _sql("""
        ALTER TABLE unit_successor ADD COLUMN IF NOT EXISTS origin VARCHAR DEFAULT 'reference';
        ALTER TABLE unit_alias ADD COLUMN IF NOT EXISTS origin VARCHAR DEFAULT 'reference';
        CREATE TABLE IF NOT EXISTS unit_history (
            id BIGINT NOT NULL DEFAULT nextval('history_id'), batch_id BIGINT NOT NULL, action VARCHAR NOT NULL,
            province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, code VARCHAR NOT NULL,
            old_row VARCHAR, new_row VARCHAR, changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL);""")),
    # what a plan does not state (deadline, lead, owner, interval, day within the year), kept beside the field that
    # holds the plan's horizon instead: "không nêu", never an inferred value (issue 26)
    _portable("0012_not_stated", """
        ALTER TABLE task ADD COLUMN IF NOT EXISTS not_stated VARCHAR;
        ALTER TABLE target ADD COLUMN IF NOT EXISTS not_stated VARCHAR;"""),
    # the reform area of each task, target and indicator (a code of domain.reform_areas, NULL: not classified),
    # from the reviewed data/reform_areas.yaml: the periodic report's sections and the pages' filter (issue 28)
    _portable("0013_reform_area", """
        ALTER TABLE task ADD COLUMN IF NOT EXISTS reform_area VARCHAR;
        ALTER TABLE target ADD COLUMN IF NOT EXISTS reform_area VARCHAR;
        ALTER TABLE indicator ADD COLUMN IF NOT EXISTS reform_area VARCHAR;"""),
    # what each import did, in the analyst's terms (issue 30): rows added, changed, left unchanged and refused,
    # and whether the batch was imported or refused (a refused attempt is recorded and writes nothing). NULL in
    # the batches of older versions, whose status is read from undone_at (imported / undone)
    _portable("0014_batch_counts", """
        ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS rows_added INTEGER;
        ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS rows_changed INTEGER;
        ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS rows_unchanged INTEGER;
        ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS rows_refused INTEGER;
        ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS status VARCHAR;"""),
)
LATEST = MIGRATIONS[-1].name

_LEDGER = "CREATE TABLE IF NOT EXISTS schema_migration (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"


def has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the database the cursor uses (a DuckDB file, or the attached PostgreSQL one) has table ``name``."""
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
                            " AND table_name = ?", [name]).fetchone()[0])


def applied(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The migrations recorded in the database (none for a new one or one of an older version)."""
    if not has_table(cur, "schema_migration"):
        return []
    return [r[0] for r in cur.execute("SELECT name FROM schema_migration ORDER BY name").fetchall()]


def pending(cur: duckdb.DuckDBPyConnection) -> list[Migration]:
    done = set(applied(cur))
    return [m for m in MIGRATIONS if m.name not in done]


def migrate(store) -> list[str]:
    """Apply every pending migration in order, each in its own transaction (the store's one transaction helper)
    with its record; returns their names. A migration that fails leaves the database as it was before it (and
    the later ones unapplied)."""
    with store._cursor() as cur:
        cur.execute(_LEDGER)
        todo = pending(cur)
    for migration in todo:
        with store.transaction() as session:
            with session._cursor() as cur:
                migration.apply(cur)
            session._run("INSERT INTO schema_migration VALUES (?, now()::TIMESTAMP)", [migration.name])
    return [m.name for m in todo]


def record_all(session) -> list[str]:
    """Record every migration as applied (a new PostgreSQL database made at the latest schema at once)."""
    for m in MIGRATIONS:
        session._run("INSERT INTO schema_migration VALUES (?, now()::TIMESTAMP)", [m.name])
    return [m.name for m in MIGRATIONS]


@contextmanager
def scratch_schema() -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty in-memory DuckDB (catalog ``memory``) with every migration applied: the schema's one source of
    truth, which PostgreSQL's DDL and the copy between backends read."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(_LEDGER)
        for migration in MIGRATIONS:
            migration.apply(con)
        yield con
    finally:
        con.close()
