#!/usr/bin/env bash
# The production topology on loopback, as processes, for trying faults by hand and for the system tests
# in tests/topology/: nginx (Debian's, config rendered from deploy/) in front of two gunicorn instances
# (production settings, gunicorn.conf.py), Redis with AOF (its own redis-server on a free port, never
# 6379), the Oracle NoSQL emulator (python -m emulators.nosql, the app on the Oracle backend, rows kept
# in a file so it can be stopped and started), the OCI Object Storage emulator (the menu's photos, in a
# public bucket kept in a file) and the Fn emulator playing OCI Functions (functions/send_mail under fdk),
# both in cloud mode, verifying every request's signature against a throwaway API key made for the run,
# an SMTP sink (aiosmtpd) and the outbox sender, which sends e-mail through the function to the sink.
#
#   scripts/topology.sh start               start everything, print the addresses (about 20 s)
#   scripts/topology.sh status              each service: running, stopped or dead, with its pid
#   scripts/topology.sh stop                stop everything (SIGTERM, then SIGKILL after 30 s)
#   scripts/topology.sh stop-service NAME [SIGNAL]   e.g. stop-service redis; stop-service web1 KILL
#   scripts/topology.sh start-service NAME  start one again with the same port and data
#   scripts/topology.sh manage ARGS...      manage.py with the instances' settings (send_outbox --now)
#
# Services: smtp redis nosql objectstorage functions web1 web2 nginx mailer. Settings through the
# environment:
#   TOPOLOGY_DIR     the run's folder (default var/topology): state, pids, logs, data, nginx config
#   TOPOLOGY_STORE   oracle (default: the emulator) or sqlite (the embedded store file in the folder)
#   TOPOLOGY_WEBS    2 (default) or 1 (nginx then balances over the one instance)
#   GUNICORN_WORKERS, GUNICORN_THREADS per instance (default 2 and 2: this is a small machine's test)
#   CEP_DB_PATH      a CEP database to use instead of building one in the folder (it is built there
#                    when the file does not exist yet)
# Everything listens on 127.0.0.1 on free ports, written to $TOPOLOGY_DIR/topology.env; every process
# is stopped by the pid recorded in $TOPOLOGY_DIR/pids/. The OCI API key and config file are in
# $TOPOLOGY_DIR/oci/, a manager for /gestao/ in $TOPOLOGY_DIR/staff.json. Needs scripts/serve.sh's or
# test.sh's .venv; installs nginx and redis-server (Debian's) when missing.
source "$(dirname "$0")/_common.sh"
source "$ROOT/scripts/_stack.sh"

DIR="${TOPOLOGY_DIR:-$ROOT/var/topology}"
STATE="$DIR/topology.env"
PIDS="$DIR/pids"
LOGS="$DIR/logs"
SERVICES=(smtp redis nosql objectstorage functions web1 web2 nginx mailer)
PY="$VENV/bin/python"

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

pid_of() { cat "$PIDS/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# The environment of every Django process (instances, setup, mailer), from the state file.
app_env() {
  set -a
  # shellcheck disable=SC1090
  source "$STATE"
  set +a
  export DJANGO_SETTINGS_MODULE=perf.load_settings
  export DJANGO_SECRET_KEY="$SECRET_KEY" DJANGO_DEBUG=false
  export OCIPIZZA_VAR_DIR="$DIR/var" DATABASE_URL="sqlite:///$DIR/var/db.sqlite3"
  export LOAD_STATIC_ROOT="$DIR/static" CEP_DB_PATH="$CEP_DB"
  export NOSQL_BACKEND="$STORE" NOSQL_SQLITE_PATH="$DIR/var/nosql.sqlite3"
  export NOSQL_MODE=onprem NOSQL_ENDPOINT="http://127.0.0.1:$NOSQL_PORT"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" CACHE_KEY_PREFIX=ocipizza
  export DJANGO_ALLOWED_HOSTS=127.0.0.1 TRUSTED_PROXY_COUNT=1 FORWARDED_ALLOW_IPS=127.0.0.1
  export SITE_URL="https://127.0.0.1:$PORT" EMAIL_URL="smtp://127.0.0.1:$SMTP_PORT"
  # The outbox sender delivers: requests only queue their e-mails, as with a mailer service.
  export MAIL_SEND_IMMEDIATELY=false
  export PIZZERIA_PROFILE_FILE="$DIR/pizzeria.json"
  export GUNICORN_WORKERS="${GUNICORN_WORKERS:-2}" GUNICORN_THREADS="${GUNICORN_THREADS:-2}"
  # The cloud parts through their emulators, signed with the run's API key as in OCI.
  export OCI_CONFIG_FILE="$DIR/oci/config" OCI_PROFILE=DEFAULT
  export STORAGE_BACKEND=oci OCI_STORAGE_ENDPOINT="http://127.0.0.1:$OBJECTSTORAGE_PORT"
  export OCI_STORAGE_NAMESPACE=ocipizza OCI_STORAGE_BUCKET=ocipizza-media OCI_STORAGE_AUTH=config
  export MAIL_DISPATCHER=oci_functions MAIL_FN_ENDPOINT="http://127.0.0.1:$FUNCTIONS_PORT"
  export MAIL_FN_FUNCTION_ID=ocid1.fnfunc.oc1..emulatorsendmail MAIL_FN_AUTH=config
}

# folder: a throwaway RSA API key (key file and public PEM) and an OCI config file naming it, with the
# fingerprint OCI computes (MD5 of the public key's DER), for the emulators' signature checks.
make_oci_key() {
  local folder="$1" fingerprint
  mkdir -p "$folder"
  [ -s "$folder/oci_api_key.pem" ] || openssl genrsa -out "$folder/oci_api_key.pem" 2048 2>/dev/null
  chmod 600 "$folder/oci_api_key.pem"
  openssl rsa -in "$folder/oci_api_key.pem" -pubout -out "$folder/oci_api_key_public.pem" 2>/dev/null
  fingerprint="$(openssl rsa -in "$folder/oci_api_key.pem" -pubout -outform DER 2>/dev/null | openssl md5 -c)"
  fingerprint="${fingerprint##* }"
  cat >"$folder/config" <<EOF
[DEFAULT]
user=ocid1.user.oc1..aaaaaaaaocipizzatopology
fingerprint=$fingerprint
tenancy=ocid1.tenancy.oc1..aaaaaaaaocipizzatopology
region=sa-saopaulo-1
key_file=$folder/oci_api_key.pem
EOF
}

# name: start one service in the background, its pid in $PIDS/name.pid, its output appended to
# $LOGS/name.log (a restart keeps what the stopped process wrote).
start_service() {
  local name="$1" log="$LOGS/$1.log" pid
  if alive "$name"; then echo "$name is already running (pid $(pid_of "$name"))"; return 0; fi
  app_env
  case "$name" in
    smtp)
      # Mailbox makes the Maildir (it refuses a folder that exists without tmp/, new/, cur/).
      setsid "$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$DIR/mail" \
        >>"$log" 2>&1 </dev/null &
      ;;
    redis)
      mkdir -p "$DIR/redis"
      # AOF, fsync every second: sessions and carts survive a restart of Redis, as in production.
      setsid redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" --appendonly yes \
        --appendfsync everysec --save '' >>"$log" 2>&1 </dev/null &
      ;;
    nosql)
      [ "$STORE" = oracle ] || { echo "nosql: not used with TOPOLOGY_STORE=$STORE"; return 0; }
      setsid "$PY" -m emulators.nosql --host 127.0.0.1 --port "$NOSQL_PORT" --data "$DIR/nosql-emulator.sqlite3" \
        >>"$log" 2>&1 </dev/null &
      ;;
    objectstorage)
      # The photos' bucket, public (read without a signature, as the menu's <img> do); its objects kept
      # in a file, so a restart finds them.
      setsid "$PY" -m emulators.objectstorage --host 127.0.0.1 --port "$OBJECTSTORAGE_PORT" \
        --bucket ocipizza-media:public --data "$DIR/objectstorage.json" \
        --cloud --public-key "$DIR/oci/oci_api_key_public.pem" >>"$log" 2>&1 </dev/null &
      ;;
    functions)
      # send_mail's container warm before the first e-mail; its SMTP server is the sink.
      setsid "$PY" -m emulators.functions "$ROOT/functions/send_mail" --host 127.0.0.1 --port "$FUNCTIONS_PORT" \
        --config SMTP_HOST=127.0.0.1 --config "SMTP_PORT=$SMTP_PORT" --config SMTP_STARTTLS=false \
        --warm --cloud --public-key "$DIR/oci/oci_api_key_public.pem" >>"$log" 2>&1 </dev/null &
      ;;
    web1 | web2)
      local port_var="${name^^}_PORT"
      start_gunicorn "127.0.0.1:${!port_var}" "$log"
      ;;
    nginx)
      ensure_nginx
      render_nginx "$DIR/nginx" "$PORT" "127.0.0.1:$WEB1_PORT" "127.0.0.1:$WEB2_PORT" "$DIR/errors"
      setsid nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log" >>"$log" 2>&1 </dev/null &
      ;;
    mailer)
      setsid "$PY" manage.py send_outbox --loop --interval 1 >>"$log" 2>&1 </dev/null &
      ;;
    *) echo "unknown service $name (one of ${SERVICES[*]})" >&2; return 2 ;;
  esac
  pid=$!
  echo "$pid" >"$PIDS/$name.pid"
  wait_ready "$name" "$pid" "$log"
}

wait_ready() {  # name pid log
  case "$1" in
    smtp | redis | nosql)
      local port_var="${1^^}_PORT"
      for _ in $(seq 200); do
        kill -0 "$2" 2>/dev/null || { echo "$1 exited; the end of $3:" >&2; tail -20 "$3" >&2; return 1; }
        "$PY" -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2).close()" \
          "${!port_var}" 2>/dev/null && return 0
        sleep 0.1
      done
      echo "$1 does not listen on ${!port_var} after 20 s; see $3" >&2; return 1
      ;;
    objectstorage | functions)
      local port_var="${1^^}_PORT"
      wait_http "http://127.0.0.1:${!port_var}/_emulator/health" "$1" "$2" "$3"
      ;;
    web1 | web2) local port_var="${1^^}_PORT"; wait_http "http://127.0.0.1:${!port_var}/healthz" "$1" "$2" "$3" ;;
    nginx) wait_http "https://127.0.0.1:$PORT/healthz" nginx "$2" "$DIR/nginx/error.log" ;;
    mailer) sleep 0.2; kill -0 "$2" 2>/dev/null || { echo "mailer exited; see $3" >&2; tail -20 "$3" >&2; return 1; } ;;
  esac
}

# name [signal]: signal the service and wait until it is gone (SIGKILL after 30 s). An instance killed
# with KILL loses its whole process group (master and workers), as a crashed container does.
stop_service() {
  local name="$1" signal="${2:-TERM}" pid
  pid="$(pid_of "$name")"
  [ -n "$pid" ] || { echo "$name: not started"; return 0; }
  if kill -0 "$pid" 2>/dev/null; then
    if [ "$signal" = KILL ]; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    else kill "-$signal" "$pid" 2>/dev/null || true; fi
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name (pid $pid) still runs 30 s after SIG$signal: killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # A killed master's workers notice within a second; wait for the group to be empty.
  for _ in $(seq 50); do pgrep -g "$pid" >/dev/null 2>&1 || break; sleep 0.1; done
  rm -f "$PIDS/$name.pid"
}

cmd_start() {
  if [ -f "$STATE" ] && alive web1; then
    echo "A topology already runs in $DIR: scripts/topology.sh status, or stop it first." >&2; exit 1
  fi
  [ -x "$VENV/bin/gunicorn" ] || { echo "No .venv: run scripts/serve.sh or scripts/test.sh once first." >&2; exit 1; }
  command -v redis-server >/dev/null || apt_install redis-server
  ensure_nginx
  mkdir -p "$DIR/var" "$PIDS" "$LOGS"
  local store="${TOPOLOGY_STORE:-oracle}" webs="${TOPOLOGY_WEBS:-2}"
  case "$store" in oracle | sqlite) ;; *) echo "TOPOLOGY_STORE is oracle or sqlite, not $store" >&2; exit 2 ;; esac
  local ports=() port
  while [ ${#ports[@]} -lt 8 ]; do
    port="$(free_port)"
    [[ " ${ports[*]} " == *" $port "* ]] || ports+=("$port")
  done
  local web2="${ports[2]}"
  [ "$webs" = 1 ] && web2="${ports[1]}"
  cat >"$STATE" <<EOF
STORE=$store
WEBS=$webs
PORT=${ports[0]}
WEB1_PORT=${ports[1]}
WEB2_PORT=$web2
REDIS_PORT=${ports[3]}
NOSQL_PORT=${ports[4]}
SMTP_PORT=${ports[5]}
OBJECTSTORAGE_PORT=${ports[6]}
FUNCTIONS_PORT=${ports[7]}
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
CEP_DB=${CEP_DB_PATH:-$DIR/var/cep.sqlite3}
EOF
  # Open around the clock with the order caps at their highest: tests check out at any hour.
  "$PY" - "$ROOT/data/pizzeria.json" "$DIR/pizzeria.json" <<'PY'
import json, sys
document = json.load(open(sys.argv[1]))
document["hours"] = {day: [["00:00", "12:00"], ["12:00", "00:00"]] for day in document["hours"]}
document.update(max_open_orders=20, max_orders_per_hour=20)
json.dump(document, open(sys.argv[2], "w"), ensure_ascii=False)
PY
  make_oci_key "$DIR/oci"
  say "Topology in $DIR ($store store, $webs web instance(s))"
  local name
  say "Starting the SMTP sink, Redis (AOF)$([ "$store" = oracle ] && echo ", the NoSQL emulator"), the Object Storage and Fn emulators"
  for name in smtp redis nosql objectstorage functions; do
    [ "$name" = nosql ] && [ "$store" != oracle ] && continue
    start_service "$name"
  done
  say "Preparing the data (migrate, nosql_migrate, menu, pizzeria, CEP database, static files, error pages, customers)"
  app_env
  # The CEP database takes longest to build: alongside the rest (nothing else needs it until the
  # instances serve).
  local cep_pid=""
  if [ ! -s "$CEP_DB" ]; then
    "$PY" manage.py build_cep_db >"$LOGS/build_cep_db.log" 2>&1 &
    cep_pid=$!
  fi
  "$PY" - "$DIR" "$cep_pid" <<'PY' >"$LOGS/setup.log" 2>&1 || { echo "setup failed; the end of $LOGS/setup.log:" >&2; tail -30 "$LOGS/setup.log" >&2; exit 1; }
import os, sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
folder = Path(sys.argv[1])
steps = [("migrate", ["--no-input"]), ("nosql_migrate", []), ("load_menu", []), ("load_pizzeria", [])]
steps += [("collectstatic", ["--no-input"]), ("error_pages", [str(folder / "errors")])]
for name, args in steps:
    started = time.monotonic()
    call_command(name, *args, verbosity=0)
    print(f"{name}: {time.monotonic() - started:.1f}s", flush=True)
# The customers' seed picks CEPs from the CEP database: wait for its build (running alongside).
while sys.argv[2:] and sys.argv[2] and os.path.exists(f"/proc/{sys.argv[2]}"):
    time.sleep(0.2)
from django.conf import settings
if not Path(settings.CEP_DB_PATH).exists():
    sys.exit(f"no CEP database at {settings.CEP_DB_PATH}: see build_cep_db.log")
from perf import load_store
load_store.seed(4, folder / "customers.json")
print("customers: 4", flush=True)
# A manager for the back office (a TOTP app is enrolled at the first sign-in, as for any manager).
import json, secrets
staff = {"email": "gerente@topologia.example", "password": secrets.token_urlsafe(16)}
os.environ["STAFF_PASSWORD"] = staff["password"]
call_command("createstaff", staff["email"], role="gerente", password_from_env=True, verbosity=0)
(folder / "staff.json").write_text(json.dumps(staff))
print("manager: 1", flush=True)
PY
  if [ -n "$cep_pid" ]; then
    wait "$cep_pid" || { echo "build_cep_db failed; see $LOGS/build_cep_db.log" >&2; tail -20 "$LOGS/build_cep_db.log" >&2; exit 1; }
  fi
  cat "$LOGS/setup.log" | grep -E '^[a-z_]+: ' | tr '\n' ' ' | sed 's/^/   /'; echo
  say "Starting $webs web instance(s), then nginx and the outbox sender"
  # Both instances at once: each takes a few seconds to import the project.
  start_service web1 &
  local web1_job=$!
  [ "$webs" = 1 ] || start_service web2
  wait "$web1_job" || exit 1
  start_service nginx
  start_service mailer
  cmd_status
}

cmd_status() {
  [ -f "$STATE" ] || { echo "No topology in $DIR (scripts/topology.sh start)."; return 0; }
  # shellcheck disable=SC1090
  source "$STATE"
  local name pid state
  for name in "${SERVICES[@]}"; do
    pid="$(pid_of "$name")"
    if [ -z "$pid" ]; then state="stopped"; elif kill -0 "$pid" 2>/dev/null; then state="running"; else state="dead"; fi
    printf '  %-13s %-8s %s\n' "$name" "$state" "${pid:+pid $pid}"
  done
  echo "  site:   https://127.0.0.1:$PORT/ (self-signed certificate)"
  echo "  web1:   http://127.0.0.1:$WEB1_PORT/readyz$([ "$WEBS" = 1 ] || echo "   web2: http://127.0.0.1:$WEB2_PORT/readyz")"
  local where="the file $DIR/var/nosql.sqlite3"
  [ "$STORE" = oracle ] && where="the emulator on 127.0.0.1:$NOSQL_PORT"
  echo "  redis:  127.0.0.1:$REDIS_PORT   store: $where   smtp: 127.0.0.1:$SMTP_PORT"
  echo "  photos: http://127.0.0.1:$OBJECTSTORAGE_PORT/n/ocipizza/b/ocipizza-media/o   mail function:" \
    "http://127.0.0.1:$FUNCTIONS_PORT (its log: /_emulator/logs)"
  echo "  OCI config: $DIR/oci/config   back office: /gestao/ as in $DIR/staff.json"
  echo "  logs:   $LOGS   customers: $DIR/customers.json"
}

cmd_stop() {
  [ -d "$PIDS" ] || { echo "Nothing runs in $DIR."; return 0; }
  local name
  # The balancer and the mailer first, then the instances together, then the data services together.
  for name in nginx mailer; do [ -f "$PIDS/$name.pid" ] && stop_service "$name" TERM; done
  for name in web1 web2; do [ -f "$PIDS/$name.pid" ] && stop_service "$name" TERM & done
  wait
  for name in redis nosql objectstorage functions smtp; do [ -f "$PIDS/$name.pid" ] && stop_service "$name" TERM & done
  wait
  echo "Stopped the topology in $DIR (its data stays there; remove the folder to start afresh)."
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  start-service) [ -n "${2:-}" ] || usage; mkdir -p "$PIDS" "$LOGS"; start_service "$2" ;;
  stop-service) [ -n "${2:-}" ] || usage; stop_service "$2" "${3:-TERM}" ;;
  manage)
    [ -n "${2:-}" ] || usage
    [ -f "$STATE" ] || { echo "No topology in $DIR: scripts/topology.sh start first." >&2; exit 1; }
    app_env; shift; exec "$PY" manage.py "$@"
    ;;
  *) usage ;;
esac
