"""The schema as named migrations: recorded, applied once and in order, each in the transaction that records it;
a database built by an older version is brought up to date without losing what it holds."""

import shutil

import duckdb
import pytest

from indicators.services.building import build, open_writable
from indicators.storage import SCHEMA_VERSION, open_store
from indicators.storage.sql import migrations
from tests.conftest import duckdb_only, import_rows


def test_a_new_database_records_every_migration_in_order(tmp_path):
    store = open_writable(tmp_path / "new.duckdb")
    try:
        assert store.applied_migrations() == [m.name for m in migrations.MIGRATIONS]
        assert SCHEMA_VERSION == migrations.MIGRATIONS[-1].name
        recorded = store.query("SELECT name FROM schema_migration ORDER BY applied_at, name").name.tolist()
        assert recorded == sorted(recorded)  # applied in the order of their names
    finally:
        store.close()


def test_a_second_build_applies_nothing(store):
    before = store.query("SELECT * FROM schema_migration ORDER BY name")
    build(store)
    assert store.query("SELECT * FROM schema_migration ORDER BY name").equals(before)


@duckdb_only   # files written by the versions before migrations; PostgreSQL starts at the latest schema
def test_a_file_of_the_version_before_migrations_is_brought_up_to_date(store, tmp_path):
    """A file written before migrations were recorded: meta's version '3', no ledger, no change log, no identity."""
    batch, _ = import_rows(store, [("42", "2004-01-01", "sipas", "2022", 85.5)], source="kept")
    store.close()
    old = tmp_path / "old.duckdb"
    shutil.copyfile(store.path, old)
    with duckdb.connect(str(old)) as con:
        con.execute("DROP TABLE schema_migration")
        con.execute("DROP TABLE data_change")
        con.execute("DELETE FROM meta")
        con.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    reopened = open_store(old)
    try:
        assert not reopened.is_built()
    finally:
        reopened.close()
    upgraded = open_writable(old)
    try:
        assert upgraded.is_built() and upgraded.applied_migrations() == [m.name for m in migrations.MIGRATIONS]
        assert upgraded.actuals(province_code="42", indicator_code="sipas", period="2022").batch_id.tolist() == [batch]
        assert upgraded.data_version()[0]  # it has an identity now
        assert upgraded.replay_differences() == 0
    finally:
        upgraded.close()


def test_a_migration_that_fails_leaves_no_record_and_no_half_change(store, monkeypatch):
    def half_then_fail(cur):
        cur.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("the migration broke")

    broken = migrations.Migration("9999_broken", half_then_fail)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    with pytest.raises(RuntimeError, match="broke"):
        build(store)
    assert "9999_broken" not in store.applied_migrations()
    assert store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'half_done'").n[0] == 0


@duckdb_only   # a copy of the file; on PostgreSQL, the restore drill of test_backup.py
def test_a_copy_is_the_same_database_and_a_restore_a_new_one(store, tmp_path):
    from indicators.storage import restore

    copy = tmp_path / "copy.duckdb"
    store.close()
    shutil.copyfile(store.path, copy)
    a, b = open_store(store.path, read_only=True), open_store(copy, read_only=True)
    try:
        assert a.data_version() == b.data_version()
    finally:
        a.close(), b.close()
    backup = tmp_path / "backup.duckdb"
    shutil.copyfile(store.path, backup)
    restore(backup, copy)
    restored = open_store(copy, read_only=True)
    try:
        assert restored.data_version()[0] != open_store(backup, read_only=True).data_version()[0]
    finally:
        restored.close()


def _run_raw(where, statements: list[str]) -> None:
    """Statements run on the database itself, below the store (to remake the version before a migration)."""
    if isinstance(where, str) and where.startswith("postgresql"):
        import psycopg

        with psycopg.connect(where, autocommit=True) as con:
            for statement in statements:
                con.execute(statement)
        return
    with duckdb.connect(str(where)) as con:
        for statement in statements:
            con.execute(statement)


def _schema(store) -> dict[str, list[str]]:
    columns = store.query("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema NOT IN ('information_schema', 'pg_catalog') "
                          "ORDER BY table_name, column_name")
    return {t: sorted(g.column_name) for t, g in columns.groupby("table_name")}


def _filled(store) -> None:
    """Users, figures with their history (an import and a replacement), task progress: what a database in use
    holds besides the reference data."""
    from indicators.services.auth import User, add_user
    from tests.conftest import PASSWORD

    import_rows(store, [("42", "2004-01-01", "sipas", "2022", 85.5)], source="first")
    import_rows(store, [("42", "2004-01-01", "sipas", "2023", 86.0)], source="second")
    add_user(store, User("tester", "tester", "admin"), "reviewer", PASSWORD, "analyst")


def test_the_not_stated_migration_runs_in_place_and_gives_what_a_fresh_build_gives(built_db, tmp_path):
    """Issue 26/27: a database of the version before 0012 (no ``not_stated`` columns), filled with users, figures
    and history, migrated in place on either backend, equals a fresh build at 0012 filled the same way."""
    from tests.conftest import copy_db

    old_where, new_where = copy_db(built_db, tmp_path / "old.duckdb"), copy_db(built_db, tmp_path / "new.duckdb")
    for where in (old_where, new_where):
        store = open_store(where)
        try:
            _filled(store)
        finally:
            store.close()
    _run_raw(old_where, ["ALTER TABLE task DROP COLUMN not_stated", "ALTER TABLE target DROP COLUMN not_stated",
                         "DELETE FROM schema_migration WHERE name = '0012_not_stated'",
                         "UPDATE meta SET value = '0011_imported_units' WHERE key = 'schema_version'"])
    before = open_store(old_where)
    try:
        assert not before.is_built() and "not_stated" not in _schema(before)["task"]
        assert before.actuals(indicator_code="sipas", province_code="42").period.tolist() == ["2022", "2023"]
    finally:
        before.close()
    upgraded, fresh = open_writable(old_where), open_store(new_where)
    try:
        assert upgraded.is_built() and upgraded.applied_migrations() == fresh.applied_migrations()
        assert _schema(upgraded) == _schema(fresh)
        for read in ("tasks", "targets", "plans", "provinces"):
            assert getattr(upgraded, read)().equals(getattr(fresh, read)()), read
        kept = ["province_code", "indicator_code", "period", "value", "source"]
        mine = upgraded.actuals(indicator_code="sipas", province_code="42")[kept].reset_index(drop=True)
        assert mine.equals(fresh.actuals(indicator_code="sipas", province_code="42")[kept].reset_index(drop=True))
        assert len(upgraded.query("SELECT * FROM actual_history")) == len(fresh.query("SELECT * FROM actual_history"))
        users = "SELECT name FROM app_user ORDER BY name"
        assert upgraded.query(users).name.tolist() == fresh.query(users).name.tolist() == ["reviewer", "tester"]
        assert upgraded.tasks().not_stated.notna().sum() == 43
        assert upgraded.replay_differences() == 0
    finally:
        upgraded.close()
        fresh.close()


def test_the_batch_counts_migration_runs_in_place_and_keeps_the_older_batches_status(built_db, tmp_path):
    """Issue 30: a database of the version before 0014 (no counts nor status on its batches), with an import and
    an undone one, migrated in place on either backend: its schema is a fresh build's, its older batches have no
    counts (shown as —) and their status read from the undo (imported / undone), and a new import keeps its
    counts."""
    from indicators.imports import undo
    from indicators.services.auth import User
    from tests.conftest import copy_db

    old_where = copy_db(built_db, tmp_path / "old.duckdb")
    store = open_store(old_where)
    try:
        _filled(store)
        undo(store, int(store.batches().id.iloc[0]), User("tester", "tester", "admin"))
    finally:
        store.close()
    counts = ("rows_added", "rows_changed", "rows_unchanged", "rows_refused", "status")
    _run_raw(old_where, [*(f"ALTER TABLE import_batch DROP COLUMN {c}" for c in counts),
                         "DELETE FROM schema_migration WHERE name = '0014_batch_counts'",
                         "UPDATE meta SET value = '0013_reform_area' WHERE key = 'schema_version'"])
    before = open_store(old_where)
    try:
        assert not before.is_built() and "rows_added" not in _schema(before)["import_batch"]
    finally:
        before.close()
    upgraded = open_writable(old_where)
    try:
        assert upgraded.is_built() and upgraded.applied_migrations() == [m.name for m in migrations.MIGRATIONS]
        assert set(counts) <= set(_schema(upgraded)["import_batch"])
        mine = upgraded.batches()
        mine = mine[mine.source_kind == "cli"].sort_values("id")
        assert mine.status.tolist() == ["imported", "undone"]
        assert mine[list(counts[:4])].isna().all().all()
        batch, _ = import_rows(upgraded, [("42", "2004-01-01", "sipas", "2024", 87.0)], source="third")
        latest = upgraded.batches().set_index("id").loc[batch]
        assert (latest.rows_added, latest.rows_changed, latest.rows_unchanged, latest.rows_refused,
                latest.status) == (1, 0, 0, 0, "imported")
        assert upgraded.replay_differences() == 0
    finally:
        upgraded.close()
