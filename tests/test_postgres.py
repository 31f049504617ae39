"""What only the PostgreSQL backend does (issue 16), run by `pytest --backend=postgresql`: moving a database to
PostgreSQL and back, checked by an export round trip; two writers on two connections committing the same rows,
exactly one winning; credentials never in a message; the schema made from the DuckDB migrations."""

import os
import threading
from datetime import date

import pytest

from indicators.cli.main import EXPORT_COLUMNS, main
from indicators.imports import ConflictError, Context, commit, preview
from indicators.services.building import build
from indicators.services.exporting import to_csv
from indicators.storage import copy_database, open_store
from tests.conftest import PG, new_db

pytestmark = pytest.mark.postgres_only

TODAY = date(2026, 12, 1)


def _exports(ref) -> dict[str, str]:
    store = open_store(ref, read_only=True)
    try:
        frames = {"targets": store.targets(), "actuals": store.actuals(unit_code=None),
                  "national": store.national_values()}
        out = {kind: to_csv(frame[EXPORT_COLUMNS[kind]].sort_values(EXPORT_COLUMNS[kind][:6]).reset_index(drop=True))
               for kind, frame in frames.items()}
        for table in ("actual_history", "import_batch", "app_user", "audit_event", "unit", "task"):
            out[table] = to_csv(store.query(f"SELECT * FROM {table} ORDER BY ALL"))
        return out
    finally:
        store.close()


def test_a_database_moves_to_a_duckdb_file_and_back_unchanged(users_db, tmp_path, capsys):
    file = tmp_path / "moved.duckdb"
    back = new_db(tmp_path / "back")
    counts = copy_database(users_db, file)
    assert counts["app_user"] == 4 and counts["actual"] > 20_000
    assert _exports(users_db) == _exports(file)
    os.environ.pop("KPI_PASSWORD", None)
    assert main(["migrate", "--from", str(file), "--to", back, "--user", "admin"]) == 2    # no password given
    os.environ["KPI_PASSWORD"] = "correct horse battery"
    try:
        assert main(["migrate", "--from", str(file), "--to", back, "--user", "admin"]) == 0
    finally:
        del os.environ["KPI_PASSWORD"]
    assert "every table checked row by row" in capsys.readouterr().err
    assert _exports(file) == _exports(back)          # the admin's sign-in for the command included
    # the copy is a database of its own: a new identity, its sequences going on after the copied ids
    moved = open_store(back)
    try:
        assert moved.data_version()[0] != open_store(users_db, read_only=True).data_version()[0]
        assert moved._next_id("import_batch_id") > moved.scalar("SELECT max(id) FROM import_batch")
    finally:
        moved.close()
    assert main(["migrate", "--from", str(file), "--to", back]) == 2     # never into a database that has rows


def _preview(store, text):
    return preview(store, "f.csv", text.encode("utf-8"), Context.of(store, today=TODAY))


def test_two_writers_committing_the_same_rows_exactly_one_wins(store):
    from indicators.services.auth import add_user
    from tests.conftest import PASSWORD

    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    lan = add_user(store, admin, "lan", PASSWORD, "analyst")
    minh = add_user(store, admin, "minh", PASSWORD, "analyst")
    other = open_store(store.path)          # a second replica's connection to the same database
    text = "province,indicator,period,value,source\nHà Tĩnh,sipas,2023,81.5,BC {n}\nNghệ An,sipas,2023,80,BC {n}\n"
    first, second = _preview(store, text.format(n=1)), _preview(other, text.format(n=2))
    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def run(name, target, result, user):
        barrier.wait()
        try:
            results[name] = commit(target, result, user)
        except ConflictError as exc:
            results[name] = exc

    threads = [threading.Thread(target=run, args=("a", store, first, lan)),
               threading.Thread(target=run, args=("b", other, second, minh))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.close()
    refused = [r for r in results.values() if isinstance(r, ConflictError)]
    assert len(results) == 2 and len(refused) == 1, results
    assert "preview" in refused[0].en or "again" in refused[0].en
    rows = store.query("SELECT source FROM actual WHERE indicator_code = 'sipas' AND period = '2023'"
                       " AND province_code IN ('40', '42')")
    assert len(rows) == 2 and rows.source.nunique() == 1          # one writer's rows, whole


def test_a_password_in_the_url_never_reaches_a_message(capsys):
    host = PG.split("://", 1)[1].split("@")[-1]
    url = f"postgresql://nobody:s3cret-pw@{host}/no_such_database"
    assert main(["status", "--province", "42", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "s3cret-pw" not in err and "cannot connect to PostgreSQL" in err and "nobody" not in err


def test_the_schema_is_the_duckdb_schema(built_db):
    store = open_store(built_db, read_only=True)
    try:
        columns = store.query("SELECT table_name, column_name FROM information_schema.columns"
                              " WHERE table_catalog = 'pg' ORDER BY ALL")
    finally:
        store.close()
    from indicators.storage.sql import migrations

    with migrations.scratch_schema() as scratch:
        expected = scratch.execute("SELECT table_name, column_name FROM information_schema.columns"
                                   " WHERE table_catalog = 'memory' ORDER BY ALL").df()
    assert len(columns) == len(expected) and (columns.values == expected.values).all()


def test_a_restart_of_postgresql_is_a_clear_message_then_the_store_reads_again(tmp_path):
    """On a cluster of its own (the suite's is shared by every worker): stopped under an open store, started
    again; no URL and no traceback in between, and no reconnect by hand."""
    import subprocess

    from indicators.storage import DatabaseUnusable
    from tests.conftest import run_cluster, start_cluster, stop_cluster

    cluster = start_cluster()
    try:
        url = f"{cluster['url']}/restart"
        subprocess.run(["psql", "-q", f"{cluster['url']}/postgres", "-c", "CREATE DATABASE restart"], check=True)
        store = open_store(url)
        build(store)
        before = store.data_version()
        stop_cluster(cluster, remove=False)
        with pytest.raises(DatabaseUnusable) as refused:
            store.data_version()
        assert "PostgreSQL cannot be reached" in refused.value.en and "postgresql://" not in refused.value.en
        from indicators.storage import StorageFailed

        with pytest.raises((DatabaseUnusable, StorageFailed)):
            with store.transaction() as session:
                session.changed("test")
        run_cluster(cluster)
        assert store.data_version() == before          # the same connection object, reconnected by the extension
        store.close()
    finally:
        stop_cluster(cluster)


def test_one_indicators_figures_are_found_by_postgresqls_index(store):
    """The first read of a chart hands its filter to PostgreSQL (postgres_query), whose plan uses the index on
    (indicator_code, unit_code) rather than scanning the table; the rows are the ones the extension's own scan
    finds, in the same columns and types."""
    code = store.scalar("SELECT indicator_code FROM actual GROUP BY ALL ORDER BY count(*) DESC LIMIT 1")
    source, params = store._actual_rows({"indicator_code": code, "unit_code": ""})
    import psycopg

    with psycopg.connect(store.url) as direct:   # a few hundred rows here: a scan would be cheaper, so forbid it
        direct.execute("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in direct.execute("EXPLAIN " + params[0]).fetchall())
    assert "actual_indicator" in plan and source.startswith("(SELECT * FROM postgres_query(")
    pushed = store.actuals(indicator_code=code)
    scanned = store.query("SELECT * FROM actual WHERE indicator_code = ? AND unit_code = ''", [code])
    assert len(pushed) == len(scanned) > 0
    assert set(pushed.value) == set(scanned.value)
    assert pushed.equals(store.actuals(indicator_code=code, province_code=None))


def test_the_backends_connections_plan_without_jit_and_with_ssd_costs(store):
    """The planner settings ride on the backend's own connections (libpq's options), so PostgreSQL picks the
    index for the targets' series; a URL that names its own options keeps them."""
    from indicators.storage.pg.backend import _with_options

    settings = store._all("SELECT * FROM postgres_query('pg', 'SELECT current_setting(''jit'') AS jit,"
                          " current_setting(''random_page_cost'') AS cost')")
    assert settings == [("off", "1.1")]
    assert _with_options("postgresql://a@h/db?options=-c%20jit%3Don") == "postgresql://a@h/db?options=-c%20jit%3Don"
    assert _with_options("postgresql://a@h/db?sslmode=disable").startswith("postgresql://a@h/db?sslmode=disable&options=")
    targets = store.targets()
    from indicators.services.views import series_wanted

    wanted = series_wanted(targets)
    by_postgresql = store.actual_series(wanted)
    by_duckdb = store.query("""SELECT * FROM actual a WHERE a.unit_code = '' AND EXISTS (SELECT 1 FROM target t
                               WHERE t.province_code = a.province_code AND t.province_valid_from = a.province_valid_from
                               AND t.indicator_code = a.indicator_code)""")
    assert len(by_postgresql) >= len(by_duckdb) > 0
    coverage = store.actual_coverage().drop(columns="province_key").sort_values(
        ["indicator_code", "province_code", "province_valid_from"]).reset_index(drop=True)
    pairs = store.query("SELECT DISTINCT indicator_code, province_code, province_valid_from FROM actual"
                        " WHERE unit_code = '' ORDER BY ALL")
    assert len(coverage) > 0 and coverage.astype(str).equals(pairs.astype(str))


def test_a_database_made_before_the_index_gets_it_at_the_next_build(store):
    with store._cursor() as cur:
        cur.execute("CALL postgres_execute('pg', 'DROP INDEX actual_indicator')")
    assert store.migrate() == ["index actual_indicator"]
    assert store.migrate() == []
    assert store.scalar("SELECT count(*) FROM postgres_query('pg', 'SELECT 1 FROM pg_indexes"
                        " WHERE indexname = ''actual_indicator''')") == 1
