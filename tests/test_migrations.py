"""The schema as named migrations: recorded, applied once and in order, each in the transaction that records it;
a database built by an older version is brought up to date without losing what it holds."""

import shutil

import duckdb
import pytest

from indicators.storage import SCHEMA_VERSION, open_store, open_writable
from indicators.storage.duck import migrations
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
    store.build()
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
        store.build()
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
