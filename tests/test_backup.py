"""Backup and restore: a restore drill on a database that has moved on since its backup."""

import pytest

from indicators.storage import check_backup, open_store
from tests.conftest import PASSWORD, PG, copy_db
from tests.test_cli import run

SUFFIX = ".dump" if PG else ".duckdb"     # PostgreSQL's backups are pg_dump archives


def _actuals(path):
    store = open_store(path, read_only=True)
    try:
        return store.query("SELECT * FROM actual ORDER BY ALL"), store.query("SELECT * FROM import_batch ORDER BY id")
    finally:
        store.close()


def _import(capsys, db, tmp_path, name, line):
    csv = tmp_path / name
    csv.write_text("province,indicator,period,value,source\n" + line + "\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(csv), "--user", "lan", "--db", str(db), "--replace")
    assert code == 0, err


@pytest.mark.slow  # the whole drill through the command line
def test_restore_drill(capsys, tmp_path, users_db, monkeypatch):
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    monkeypatch.setenv("KPI_BACKUP_DIR", str(tmp_path / "backups"))
    db = copy_db(users_db, tmp_path / "kpi.duckdb")
    _import(capsys, db, tmp_path, "a.csv", "Hà Tĩnh,sipas,2023,80,BC 1")
    backup = tmp_path / "backups" / f"kpi-drill{SUFFIX}"
    code, _, err = run(capsys, "backup", str(backup), "--db", str(db))
    assert code == 2 and "--user is needed" in err  # an admin's command (issue 12)
    code, _, err = run(capsys, "backup", str(backup), "--db", str(db), "--user", "admin")
    assert code == 0 and "written and checked" in err
    at_backup = _actuals(backup if not PG else db)   # a dump is read back only by restoring it
    # the database moves on: another batch, a replaced figure
    _import(capsys, db, tmp_path, "b.csv", "Hà Tĩnh,sipas,2023,90,BC 2")
    assert not _actuals(db)[0].equals(at_backup[0])
    code, _, err = run(capsys, "restore", str(backup), "--db", str(db), "--user", "admin")
    assert code == 0 and "previous file is kept" in err
    restored = _actuals(db)
    assert restored[0].equals(at_backup[0]) and restored[1].equals(at_backup[1])
    if PG:   # the database before the restore, dumped into the backup folder
        kept = [p for p in (tmp_path / "backups").iterdir() if ".before-restore-" in p.name]
        assert len(kept) == 1 and check_backup(kept[0], server=db)["actual"] == len(at_backup[0])
    else:
        kept = [p for p in tmp_path.iterdir() if p.name.startswith("kpi.duckdb.before-restore-")]
        assert len(kept) == 1 and _actuals(kept[0])[0]["value"].max() >= 90  # nothing thrown away
    # the restored database works: the sequence goes on, imports and undo work
    _import(capsys, db, tmp_path, "c.csv", "Nghệ An,sipas,2023,70,BC 3")
    store = open_store(db)
    assert store.replay_differences() == 0
    assert store.scalar("SELECT count(DISTINCT id) FROM import_batch") == store.scalar("SELECT count(*) FROM "
                                                                                       "import_batch")
    store.close()


def test_a_backup_never_overwrites_and_a_damaged_backup_is_not_restored(capsys, tmp_path, users_db):
    db = copy_db(users_db, tmp_path / "kpi.duckdb")
    target = tmp_path / f"b{SUFFIX}"
    target.write_bytes(b"something precious")
    code, _, err = run(capsys, "backup", str(target), "--db", str(db))
    assert code == 2 and "never overwrites" in err and target.read_bytes() == b"something precious"
    code, _, err = run(capsys, "restore", str(target), "--db", str(db))
    assert code == 2 and "not a database of this dashboard" in err
    assert check_backup(db)["actual"] > 0  # the database was left as it was


def test_the_running_server_can_make_a_backup(tmp_path, users_db):
    db = copy_db(users_db, tmp_path / "kpi.duckdb")
    server = open_store(db)  # holds the write lock, as the dashboard does
    try:
        target = server.backup(tmp_path / f"online{SUFFIX}")
    finally:
        server.close()
    assert check_backup(target, server=db)["actual"] == check_backup(db)["actual"]
