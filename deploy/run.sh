#!/usr/bin/env bash
# The dashboard as a ministry would run it, on this one machine: PostgreSQL (Debian's postgresql), N Streamlit
# replicas and nginx (Debian's nginx) in front with sticky sessions and the security headers, all on 127.0.0.1.
#
#   deploy/run.sh up [N]   install what is missing, start PostgreSQL, build the database, start N replicas
#                          (default 2) and nginx; prints the address
#   deploy/run.sh stop     stop what `up` started (by the PIDs it wrote)
#   deploy/run.sh status   what is running
#
# Settings (environment): KPI_DEPLOY_STATE (default deploy/state: data, logs, PIDs, the generated passwords),
# KPI_PG_PORT (55432), KPI_HTTP_PORT (8080), KPI_APP_PORT (first replica's port, 8601), KPI_APP_USER (the
# unprivileged system user the replicas run as when this script runs as root; default kpi, created if missing),
# KPI_APP_PYTHON (the replicas' Python; default: python3 if that user can run it with the requirements, else a
# virtualenv made once in $KPI_DEPLOY_STATE/venv from Debian's python3).
# Roles: kpi_owner owns the schema (builds, migrates, restores); the replicas connect as kpi_app, which holds
# exactly the privileges of indicators/storage/pg/grants.py: it reads every table, changes the current figures,
# targets, progress, units and locks, and only adds to the import batches (whose undo columns it may set), the
# histories, the audit and the change log; it cannot change the schema, the migrations or meta.
# Passwords are generated once into $KPI_DEPLOY_STATE/secrets (mode 600) and reach the programs through
# PGPASSWORD, never a command line or a URL.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
STATE=${KPI_DEPLOY_STATE:-$REPO/deploy/state}
PG_PORT=${KPI_PG_PORT:-55432}
HTTP_PORT=${KPI_HTTP_PORT:-8080}
APP_PORT=${KPI_APP_PORT:-8601}
APP_USER=${KPI_APP_USER:-kpi}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
psql_as() {  # psql_as ROLE PASSWORD DATABASE [psql args]
    local role=$1 password=$2 database=$3; shift 3
    PGPASSWORD=$password psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$role" -d "$database" "$@"
}

install_missing() {
    if [ -z "$(pg_bin)" ] || ! command -v nginx >/dev/null || ! command -v psql >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql nginx
    fi
    python3 -m pip install -q -r requirements.txt
}

secrets() {
    mkdir -p "$STATE/logs" "$STATE/run"
    if [ ! -f "$STATE/secrets" ]; then
        ( umask 077
          for name in SUPER_PW OWNER_PW APP_PW; do
              printf '%s=%s\n' "$name" "$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
          done > "$STATE/secrets" )
    fi
    # shellcheck disable=SC1091
    . "$STATE/secrets"
}

start_postgres() {
    local bin; bin=$(pg_bin)
    if [ ! -d "$STATE/pg/data" ]; then
        mkdir -p "$STATE/pg"
        [ "$(id -u)" = 0 ] && chown postgres "$STATE/pg" && chmod 755 "$STATE"
        ( umask 077; printf '%s\n' "$SUPER_PW" > "$STATE/pg/pwfile" )
        [ "$(id -u)" = 0 ] && chown postgres "$STATE/pg/pwfile"
        as_postgres "$bin/initdb" -D "$STATE/pg/data" -U postgres --pwfile="$STATE/pg/pwfile" \
            -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$STATE/logs/initdb.log"
        rm -f "$STATE/pg/pwfile"
    fi
    if ! as_postgres "$bin/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1; then
        [ "$(id -u)" = 0 ] && chmod 755 "$STATE" && touch "$STATE/logs/postgresql.log" \
            && chown postgres "$STATE/logs/postgresql.log"
        as_postgres "$bin/pg_ctl" -D "$STATE/pg/data" -l "$STATE/logs/postgresql.log" -w start \
            -o "-k $STATE/pg -p $PG_PORT -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
    fi
}

provision() {
    psql_as postgres "$SUPER_PW" postgres -v owner_pw="$OWNER_PW" -v app_pw="$APP_PW" <<'SQL'
SELECT 'CREATE ROLE kpi_owner LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpi_owner')\gexec
SELECT 'CREATE ROLE kpi_app LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpi_app')\gexec
ALTER ROLE kpi_owner PASSWORD :'owner_pw';
ALTER ROLE kpi_app PASSWORD :'app_pw';
SELECT 'CREATE DATABASE kpi OWNER kpi_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kpi')\gexec
REVOKE ALL ON DATABASE kpi FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kpi TO kpi_owner, kpi_app;   -- the extension stages UPDATEs in temporary tables
SQL
    psql_as postgres "$SUPER_PW" kpi -c "ALTER SCHEMA public OWNER TO kpi_owner; REVOKE CREATE ON SCHEMA public FROM PUBLIC"
    KPI_DB="postgresql://kpi_owner@127.0.0.1:$PG_PORT/kpi" PGPASSWORD=$OWNER_PW \
        python3 -m indicators build --if-needed 2>>"$STATE/logs/build.log"
    # after every build: a table a migration added gets its privileges (the script refuses one it does not know)
    python3 -m indicators.storage.pg.grants kpi_app | psql_as kpi_owner "$OWNER_PW" kpi -f -
}

# The replicas never run as root: as root, they run as $APP_USER (setpriv executes the program in place, so the
# PID written is the replica's own), with a home, a backup folder and a Python that user can read.
as_app() {  # as_app COMMAND [ARGS]: the command as the replicas' user
    if [ "$(id -u)" = 0 ]; then setpriv --reuid="$APP_USER" --regid="$APP_USER" --init-groups -- "$@"; else "$@"; fi
}

app_user() {
    [ "$(id -u)" = 0 ] || return 0
    if ! id -u "$APP_USER" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$APP_USER"
    fi
    mkdir -p "$STATE/home" "$STATE/backups"
    chown "$APP_USER:$APP_USER" "$STATE/home" "$STATE/backups"
    chmod 755 "$STATE"
}

app_python() {  # the interpreter the replicas run with
    local probe="import streamlit, duckdb_extension_postgres_scanner, psycopg, bcrypt"
    if [ -n "${KPI_APP_PYTHON:-}" ]; then echo "$KPI_APP_PYTHON"; return; fi
    local own; own=$(python3 -c 'import sys; print(sys.executable)')
    if as_app "$own" -c "$probe" >/dev/null 2>&1; then echo "$own"; return; fi
    if ! "$STATE/venv/bin/python" -c "$probe" >/dev/null 2>&1; then    # root's own Python is out of its reach
        local base=/usr/bin/python3; [ -x "$base" ] || base=$own
        "$base" -m venv "$STATE/venv" >&2
        grep -v '^-e' requirements.txt >"$STATE/venv/requirements.txt"   # the replicas import the checkout's own
        "$STATE/venv/bin/python" -m pip install -q -r "$STATE/venv/requirements.txt" >&2
    fi
    echo "$STATE/venv/bin/python"
}

start_replicas() {
    local n=$1 i port python run=() home=$HOME backups=${KPI_BACKUP_DIR:-}
    app_user
    python=$(app_python)
    if [ "$(id -u)" = 0 ]; then
        run=(setpriv --reuid="$APP_USER" --regid="$APP_USER" --init-groups --)
        home=$STATE/home backups=$STATE/backups
    fi
    for i in $(seq 1 "$n"); do
        port=$((APP_PORT + i - 1))
        if [ -f "$STATE/run/app-$i.pid" ] && kill -0 "$(cat "$STATE/run/app-$i.pid")" 2>/dev/null; then continue; fi
        KPI_DB="postgresql://kpi_app@127.0.0.1:$PG_PORT/kpi" PGPASSWORD=$APP_PW HOME=$home KPI_BACKUP_DIR=$backups \
            nohup ${run[@]+"${run[@]}"} "$python" -m streamlit run app.py --server.port "$port" \
            --server.address 127.0.0.1 --server.headless true >"$STATE/logs/app-$i.log" 2>&1 &
        echo $! >"$STATE/run/app-$i.pid"
    done
}

start_nginx() {
    local n=$1 i upstreams="" replicas=""
    for i in $(seq 1 "$n"); do
        upstreams="$upstreams        server 127.0.0.1:$((APP_PORT + i - 1));
"
        # the replica's number, for the X-Kpi-Replica header: the last upstream tried, never its address
        replicas="$replicas        \"~(^|, )127\\.0\\.0\\.1:$((APP_PORT + i - 1))\$\" $i;
"
    done
    mkdir -p "$STATE/nginx"
    local conf; conf=$(<deploy/nginx.conf.in)
    conf=${conf//@STATE@/$STATE}
    conf=${conf//@HTTP_PORT@/$HTTP_PORT}
    conf=${conf//@UPSTREAMS@/$upstreams}
    conf=${conf//@REPLICAS@/$replicas}
    printf '%s\n' "$conf" >"$STATE/nginx/nginx.conf"
    if [ -f "$STATE/run/nginx.pid" ] && kill -0 "$(cat "$STATE/run/nginx.pid")" 2>/dev/null; then
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -s reload
    else
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf"
    fi
}

wait_up() {
    local n=$1 i
    for i in $(seq 1 120); do
        if python3 - "$HTTP_PORT" "$APP_PORT" "$n" 2>/dev/null <<'PY'
import sys, urllib.request
http, first, n = map(int, sys.argv[1:])
for port in [http, *range(first, first + n)]:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()
PY

        then return 0; fi
        sleep 1
    done
    echo "the replicas did not answer: see $STATE/logs" >&2
    return 1
}

stop() {
    local pid
    if [ -f "$STATE/run/nginx.pid" ]; then
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -s quit 2>/dev/null || true
    fi
    for pid in "$STATE"/run/app-*.pid; do
        [ -f "$pid" ] || continue
        kill "$(cat "$pid")" 2>/dev/null || true
        rm -f "$pid"
    done
    if [ -d "$STATE/pg/data" ]; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
    up)
        N=${2:-2}
        install_missing
        secrets
        start_postgres
        provision
        start_replicas "$N"
        start_nginx "$N"
        wait_up "$N"
        echo "the dashboard: http://127.0.0.1:$HTTP_PORT/ ($N replicas on ports $APP_PORT–$((APP_PORT + N - 1)), PostgreSQL on $PG_PORT)"
        ;;
    stop) stop ;;
    status)
        for pid in "$STATE"/run/*.pid; do
            [ -f "$pid" ] || continue
            if kill -0 "$(cat "$pid")" 2>/dev/null; then echo "$(basename "$pid" .pid): running ($(cat "$pid"))"
            else echo "$(basename "$pid" .pid): stopped"; fi
        done
        as_postgres "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" status 2>/dev/null | head -1 || true
        ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
esac
