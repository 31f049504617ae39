#!/usr/bin/env bash
# The dashboard as a ministry would run it: PostgreSQL (Debian's postgresql) reached over TLS, Streamlit replicas
# on one or several app hosts, and nginx (Debian's nginx) in front with sticky sessions and the security headers.
#
#   deploy/run.sh up [N]   install what is missing and start this machine's roles: the database (TLS files, cluster,
#                          roles, the built schema), the replicas (N on KPI_APP_ADDRESS when KPI_APP_HOSTS is empty;
#                          default 2) and nginx; prints the address
#   deploy/run.sh stop     stop what `up` started (by the PIDs it wrote)
#   deploy/run.sh status   what is running
#
# Settings: deploy/deploy.conf (every address, port and path, with its defaults on the loopback address), over
# which a file named by KPI_DEPLOY_CONF (e.g. deploy/hosts.example.conf) and then the environment win.
# Roles: kpi_owner owns the schema (builds, migrates, restores); the replicas connect as kpi_app, which holds
# exactly the privileges of indicators/storage/pg/grants.py: it reads every table, changes the current figures,
# targets, progress, units and locks, and only adds to the import batches (whose undo columns it may set), the
# histories, the audit and the change log; it cannot change the schema, the migrations or meta.
# TLS: a small certificate authority and a server certificate naming KPI_DB_HOST are made once in $STATE/tls;
# PostgreSQL admits TLS connections only (hostssl), and every client verifies the server (sslmode=verify-full).
# Secrets: passwords come from the secrets file (generated once on the database host, mode 600) or the environment,
# and reach the programs through libpq's PGPASSWORD or a password file (PGPASSFILE), never a command line or a URL.
set -euo pipefail
ORIGIN=$PWD
cd "$(dirname "$0")/.."
REPO=$PWD

fail() { printf '%s\n' "$@" >&2; exit 1; }

# KEY=VALUE lines of a configuration file; a key already set (by the environment or a file read before) is kept.
load_conf() {
    local file=$1 line key n=0
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        [[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
        [[ $line =~ ^[[:space:]]*(KPI_[A-Z0-9_]+)=[[:space:]]*(.*[^[:space:]])?[[:space:]]*$ ]] \
            || fail "$file:$n: không phải một dòng KPI_…=giá trị" "$file:$n: not a KPI_…=value line"
        key=${BASH_REMATCH[1]}
        [ -n "${!key+x}" ] || printf -v "$key" '%s' "${BASH_REMATCH[2]}"
    done <"$file"
}
if [ -n "${KPI_DEPLOY_CONF:-}" ]; then
    [[ $KPI_DEPLOY_CONF == /* ]] || KPI_DEPLOY_CONF=$ORIGIN/$KPI_DEPLOY_CONF     # relative to where it was run
    [ -f "$KPI_DEPLOY_CONF" ] || fail "không có tệp cấu hình $KPI_DEPLOY_CONF" "no configuration file $KPI_DEPLOY_CONF"
    load_conf "$KPI_DEPLOY_CONF"
fi
load_conf deploy/deploy.conf

absolute() { case $1 in /*) echo "$1" ;; *) echo "$REPO/$1" ;; esac; }
STATE=$(absolute "${KPI_DEPLOY_STATE:-deploy/state}")
ROLES=" ${KPI_ROLES:-db app proxy} " ROLES=${ROLES//,/ }
for role in $ROLES; do
    case $role in db|app|proxy) ;; *) fail "KPI_ROLES: vai trò lạ $role" "KPI_ROLES: unknown role $role" ;; esac
done
DB_HOST=${KPI_DB_HOST:-127.0.0.1}
DB_LISTEN=${KPI_DB_LISTEN:-$DB_HOST}
PG_PORT=${KPI_PG_PORT:-55432}
HTTP_ADDRESS=${KPI_HTTP_ADDRESS:-127.0.0.1}
HTTP_PORT=${KPI_HTTP_PORT:-8080}
APP_PORT=${KPI_APP_PORT:-8601}
APP_USER=${KPI_APP_USER:-kpi}
SECRETS=$(absolute "${KPI_SECRETS:-$STATE/secrets}")
CA=$(absolute "${KPI_PG_CA:-$STATE/tls/ca.crt}")
# every libpq client of this script (psql, the build) and of the replicas verifies the server's certificate
export PGSSLMODE=verify-full PGSSLROOTCERT=$CA
unset PGPASSWORD PGPASSFILE

has_role() { [[ $ROLES == *" $1 "* ]]; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
psql_as() {  # psql_as ROLE PASSWORD DATABASE [psql args]: over TLS, the password in psql's environment
    local role=$1 password=$2 database=$3; shift 3
    PGPASSWORD=$password psql -q -v ON_ERROR_STOP=1 -h "$DB_HOST" -p "$PG_PORT" -U "$role" -d "$database" "$@"
}

# What this machine's roles need: Debian's postgresql (the server, and psql and pg_dump for the apps' backups),
# openssl, nginx; the Python requirements for the build and the replicas (nginx alone needs none).
install_missing() {
    if [ -z "$(pg_bin)" ] || ! command -v psql >/dev/null || ! command -v openssl >/dev/null \
            || { has_role proxy && ! command -v nginx >/dev/null; }; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl $(has_role proxy && echo nginx)
    fi
    if has_role db || has_role app; then python3 -m pip install -q -r requirements.txt; fi
}

# The passwords: KPI_SUPER_PW, KPI_OWNER_PW, KPI_APP_PW from the environment, else the secrets file's SUPER_PW,
# OWNER_PW, APP_PW (read as data, never run), else, on the database host, generated and added to the file. They
# are kept in unexported variables, so no program started here inherits them unless given one on purpose.
secrets() {
    local name key value
    mkdir -p "$STATE/logs" "$STATE/run"
    SUPER_PW=${KPI_SUPER_PW:-} OWNER_PW=${KPI_OWNER_PW:-} APP_PW=${KPI_APP_PW:-}
    unset KPI_SUPER_PW KPI_OWNER_PW KPI_APP_PW
    if [ -f "$SECRETS" ]; then
        while IFS='=' read -r key value || [ -n "$key" ]; do
            case $key in SUPER_PW|OWNER_PW|APP_PW) [ -n "${!key}" ] || printf -v "$key" '%s' "$value" ;; esac
        done <"$SECRETS"
    fi
    for name in SUPER_PW OWNER_PW APP_PW; do
        [ -n "${!name}" ] && continue
        if ! has_role db; then
            [ "$name" = APP_PW ] && has_role app && fail "thiếu APP_PW (tệp $SECRETS hoặc KPI_APP_PW)" \
                "APP_PW is missing (the file $SECRETS or KPI_APP_PW)"
            continue
        fi
        printf -v "$name" '%s' "$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
        mkdir -p "$(dirname "$SECRETS")"
        ( umask 077; printf '%s=%s\n' "$name" "${!name}" >>"$SECRETS" )
    done
}

# A certificate authority and the database server's certificate for KPI_DB_HOST (and KPI_DB_TLS_NAMES): an
# address is an IP subject-alternative name, anything else a DNS one. The server certificate is made again when
# the names change; the authority stays, so app hosts keep the ca.crt they were given.
make_tls() {
    local tls=$STATE/tls name sans=""
    for name in $DB_HOST ${KPI_DB_TLS_NAMES:-}; do
        if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then sans="$sans,IP:$name"; else sans="$sans,DNS:$name"; fi
    done
    sans=${sans#,}
    mkdir -p "$tls"
    if [ ! -f "$tls/ca.key" ]; then
        ( umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
            -subj "/CN=kpi deployment CA" -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>"$STATE/logs/tls.log" )
        chmod 644 "$tls/ca.crt"
        rm -f "$tls/server.names"
    fi
    if [ "$(cat "$tls/server.names" 2>/dev/null)" != "$sans" ]; then
        ( umask 077
          openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$DB_HOST" \
              -keyout "$tls/server.key" -out "$tls/server.csr" 2>>"$STATE/logs/tls.log"
          printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$sans" >"$tls/server.ext"
          openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
              -days 825 -extfile "$tls/server.ext" -out "$tls/server.crt" 2>>"$STATE/logs/tls.log" )
        chmod 644 "$tls/server.crt"
        printf '%s\n' "$sans" >"$tls/server.names"
    fi
    [ "$(id -u)" = 0 ] && chown postgres "$tls/server.key" && chmod 755 "$STATE" "$tls"
    [ "$CA" = "$tls/ca.crt" ] || [ -f "$CA" ] || cp "$tls/ca.crt" "$CA"
}

# PostgreSQL's settings written by this script: TLS on, listening on KPI_DB_LISTEN, and pg_hba.conf admitting
# password (scram-sha-256) connections over TLS from KPI_DB_CLIENTS only; no line admits a connection without TLS.
configure_postgres() {
    local data=$STATE/pg/data cidr listen
    listen=$(echo "$DB_LISTEN" | tr -s ' ' ',')
    grep -q "^include_if_exists = 'kpi.conf'" "$data/postgresql.conf" \
        || printf "include_if_exists = 'kpi.conf'\n" >>"$data/postgresql.conf"
    cat >"$data/kpi.conf" <<CONF
# written by deploy/run.sh (deploy/deploy.conf): overwritten at each start
listen_addresses = '$listen'
port = $PG_PORT
unix_socket_directories = '$STATE/pg'
max_connections = 300
ssl = on
ssl_cert_file = '$STATE/tls/server.crt'
ssl_key_file = '$STATE/tls/server.key'
ssl_min_protocol_version = 'TLSv1.2'
CONF
    { echo "# written by deploy/run.sh: TLS connections with a password only (KPI_DB_CLIENTS)"
      for cidr in ${KPI_DB_CLIENTS:-127.0.0.0/8}; do printf 'hostssl all all %s scram-sha-256\n' "$cidr"; done
    } >"$data/pg_hba.conf"
    [ "$(id -u)" = 0 ] && chown postgres "$data/kpi.conf" "$data/pg_hba.conf"
    return 0
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
    configure_postgres
    if ! as_postgres "$bin/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1; then
        [ "$(id -u)" = 0 ] && chmod 755 "$STATE" && touch "$STATE/logs/postgresql.log" \
            && chown postgres "$STATE/logs/postgresql.log"
        as_postgres "$bin/pg_ctl" -D "$STATE/pg/data" -l "$STATE/logs/postgresql.log" -w start >/dev/null
    else
        as_postgres "$bin/pg_ctl" -D "$STATE/pg/data" reload >/dev/null
    fi
}

provision() {
    # the new roles' passwords reach psql through its environment (\getenv), never its command line
    ( export OWNER_PW APP_PW
      psql_as postgres "$SUPER_PW" postgres <<'SQL'
\getenv owner_pw OWNER_PW
\getenv app_pw APP_PW
SELECT 'CREATE ROLE kpi_owner LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpi_owner')\gexec
SELECT 'CREATE ROLE kpi_app LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpi_app')\gexec
ALTER ROLE kpi_owner PASSWORD :'owner_pw';
ALTER ROLE kpi_app PASSWORD :'app_pw';
SELECT 'CREATE DATABASE kpi OWNER kpi_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kpi')\gexec
REVOKE ALL ON DATABASE kpi FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kpi TO kpi_owner, kpi_app;   -- the extension stages UPDATEs in temporary tables
SQL
    )
    psql_as postgres "$SUPER_PW" kpi \
        -c "ALTER SCHEMA public OWNER TO kpi_owner; REVOKE CREATE ON SCHEMA public FROM PUBLIC"
    KPI_DB="postgresql://kpi_owner@$DB_HOST:$PG_PORT/kpi" PGPASSWORD=$OWNER_PW \
        python3 -m indicators build --if-needed 2>>"$STATE/logs/build.log"
    # after every build: a table a migration added gets its privileges (the script refuses one it does not know)
    python3 -m indicators.storage.pg.grants kpi_app | psql_as kpi_owner "$OWNER_PW" kpi -f -
}

# The app hosts, ADDRESS:PORT each, into HOSTS: KPI_APP_HOSTS (an entry without a port takes KPI_APP_PORT), or N
# replicas on KPI_APP_ADDRESS from KPI_APP_PORT on.
app_hosts() {
    local n=$1 entry i
    HOSTS=()
    if [ -n "${KPI_APP_HOSTS:-}" ]; then
        for entry in ${KPI_APP_HOSTS//,/ }; do
            if [[ $entry == *:* ]]; then HOSTS+=("$entry"); else HOSTS+=("$entry:$APP_PORT"); fi
        done
    else
        for i in $(seq 1 "$n"); do HOSTS+=("${KPI_APP_ADDRESS:-127.0.0.1}:$((APP_PORT + i - 1))"); done
    fi
}

on_this_machine() {  # whether this machine holds the address (it can bind it)
    python3 -c 'import socket, sys; socket.socket().bind((sys.argv[1], 0))' "$1" 2>/dev/null
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
        # no bytecode compiled at install (half its time): the replicas compile what they import, into their own
        # PYTHONPYCACHEPREFIX (start_replicas), once
        "$STATE/venv/bin/python" -m pip install -q --no-compile -r "$STATE/venv/requirements.txt" >&2
    fi
    echo "$STATE/venv/bin/python"
}

# The replicas' password file (libpq's PGPASSFILE, mode 600, owned by the replicas' user): kpi_app's password
# reaches them there, not through their environment. libpq wants ':' and '\' escaped in it.
app_passfile() {
    local pw=${APP_PW//\\/\\\\}
    pw=${pw//:/\\:}
    ( umask 077; printf '%s:%s:kpi:kpi_app:%s\n' "$DB_HOST" "$PG_PORT" "$pw" >"$STATE/run/app.pgpass" )
    if [ "$(id -u)" = 0 ]; then chown "$APP_USER" "$STATE/run/app.pgpass"; fi
}

start_replicas() {
    local i address port python run=() home=$HOME backups=${KPI_BACKUP_DIR:-} pycache=${PYTHONPYCACHEPREFIX:-}
    app_user
    app_passfile
    [ -f "$CA" ] || fail "thiếu chứng chỉ CA $CA (chép từ máy cơ sở dữ liệu)" \
        "the CA certificate $CA is missing (copy it from the database host)"
    python=$(app_python)
    if [ "$(id -u)" = 0 ]; then
        run=(setpriv --reuid="$APP_USER" --regid="$APP_USER" --init-groups --)
        home=$STATE/home backups=$STATE/backups pycache=$STATE/home/pycache   # the user cannot write the venv
    fi
    for i in "${!HOSTS[@]}"; do
        address=${HOSTS[$i]%:*} port=${HOSTS[$i]##*:}
        if ! on_this_machine "$address"; then
            echo "app host $address is not on this machine: start it there (KPI_ROLES=app)" >&2
            continue
        fi
        if [ -f "$STATE/run/app-$((i + 1)).pid" ] && kill -0 "$(cat "$STATE/run/app-$((i + 1)).pid")" 2>/dev/null
        then continue; fi
        KPI_DB="postgresql://kpi_app@$DB_HOST:$PG_PORT/kpi" PGPASSFILE=$STATE/run/app.pgpass HOME=$home \
            KPI_BACKUP_DIR=$backups PYTHONPYCACHEPREFIX=$pycache nohup ${run[@]+"${run[@]}"} "$python" \
            -m streamlit run app.py --server.port "$port" --server.address "$address" --server.headless true \
            >"$STATE/logs/app-$((i + 1)).log" 2>&1 &
        echo $! >"$STATE/run/app-$((i + 1)).pid"
    done
}

start_nginx() {
    local i upstreams="" replicas=""
    for i in "${!HOSTS[@]}"; do
        upstreams="$upstreams        server ${HOSTS[$i]};
"
        # the replica's number, for the X-Kpi-Replica header: the last upstream tried, never its address
        replicas="$replicas        \"~(^|, )${HOSTS[$i]//./\\.}\$\" $((i + 1));
"
    done
    mkdir -p "$STATE/nginx" "$STATE/logs" "$STATE/run"
    local conf; conf=$(<deploy/nginx.conf.in)
    conf=${conf//@STATE@/$STATE}
    conf=${conf//@LISTEN@/$HTTP_ADDRESS:$HTTP_PORT}
    conf=${conf//@UPSTREAMS@/$upstreams}
    conf=${conf//@REPLICAS@/$replicas}
    printf '%s\n' "$conf" >"$STATE/nginx/nginx.conf"
    if [ -f "$STATE/run/nginx.pid" ] && kill -0 "$(cat "$STATE/run/nginx.pid")" 2>/dev/null; then
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -s reload
    else
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf"
    fi
}

# Until this machine's replicas answer their health check, and nginx (with the proxy role) answers at all: its app
# hosts on other machines may still be starting.
wait_up() {
    local i urls=() entry proxy=""
    if has_role app; then
        for entry in "${HOSTS[@]}"; do on_this_machine "${entry%:*}" && urls+=("http://$entry/_stcore/health"); done
    fi
    if has_role proxy; then proxy="http://$HTTP_ADDRESS:$HTTP_PORT/_stcore/health"; fi
    for i in $(seq 1 120); do
        if python3 - "$proxy" ${urls[@]+"${urls[@]}"} 2>/dev/null <<'PY'
import sys, urllib.error, urllib.request
proxy, *replicas = sys.argv[1:]
for url in replicas:
    urllib.request.urlopen(url, timeout=2).read()
if proxy:
    try:
        urllib.request.urlopen(proxy, timeout=2).read()
    except urllib.error.HTTPError:
        pass
PY
        then return 0; fi
        sleep 1
    done
    fail "các bản sao không trả lời: xem $STATE/logs" "the replicas did not answer: see $STATE/logs"
}

any_alive() { local pid; for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }

# Stops nginx, the replicas (SIGTERM, then SIGKILL for one still running after 15 s) and PostgreSQL, by their PIDs.
stop() {
    local file pid pids=() i
    if [ -f "$STATE/run/nginx.pid" ]; then
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -s quit 2>/dev/null || true
    fi
    for file in "$STATE"/run/app-*.pid; do
        [ -f "$file" ] || continue
        pid=$(cat "$file")
        kill "$pid" 2>/dev/null && pids+=("$pid")
        rm -f "$file"
    done
    for i in $(seq 1 30); do
        any_alive ${pids[@]+"${pids[@]}"} || break
        sleep 0.5
    done
    for pid in ${pids[@]+"${pids[@]}"}; do kill -KILL "$pid" 2>/dev/null || true; done
    if [ -d "$STATE/pg/data" ]; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

up() {
    local n=${1:-2}
    install_missing
    secrets
    app_hosts "$n"
    if has_role db; then make_tls; start_postgres; provision; fi
    if has_role app; then start_replicas; fi
    if has_role proxy; then start_nginx; fi
    wait_up
    has_role db && echo "PostgreSQL: $DB_HOST:$PG_PORT (TLS, verify-full against $CA)"
    has_role app && echo "app hosts: ${HOSTS[*]}"
    has_role proxy && echo "the dashboard: http://$HTTP_ADDRESS:$HTTP_PORT/"
    return 0
}

case "${1:-}" in
    up) up "${2:-}" ;;
    stop) stop ;;
    status)
        for pid in "$STATE"/run/*.pid; do
            [ -f "$pid" ] || continue
            if kill -0 "$(cat "$pid")" 2>/dev/null; then echo "$(basename "$pid" .pid): running ($(cat "$pid"))"
            else echo "$(basename "$pid" .pid): stopped"; fi
        done
        if [ -d "$STATE/pg/data" ]; then
            as_postgres "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" status 2>/dev/null | head -1 || true
        fi
        ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
esac
