#!/usr/bin/env bash
# The load scenario (issue 13, item 3): two gunicorn instances of the project behind nginx, with Redis,
# all on loopback, driven by locust (perf/locustfile.py). Results in var/load/<time>/.
#
#   perf/load.sh                 60 users, 60 s (LOAD_USERS, LOAD_SECONDS, LOAD_SPAWN_RATE override)
#   perf/load.sh --saturation    20, 60 and 120 users, LOAD_SATURATION_SECONDS (45) each: where GET p95
#                                passes 100 ms
#
# The goals are judged on the steady state: the run after every user has started and every customer has
# signed in (perf/locustfile.py says why); the ramp's figures are printed beside them.
#
# Needs scripts/serve.sh's install (.venv from requirements.txt); installs nginx (Debian's package) when
# missing and locust into var/load-venv from requirements-load.txt, with --require-hashes. Everything
# runs from a temp folder: production settings (perf/load_settings.py: production's plus STATIC_ROOT
# there), the embedded SQLite store shared by both instances, collectstatic, a self-signed certificate,
# nginx's config (deploy/nginx-load.conf around deploy/nginx.conf, the production balancer, rendered by
# scripts/_stack.sh, which scripts/topology.sh shares), pid and logs. Redis: the one on 6379 under a
# key prefix of this run's own (its keys are deleted at the end), else a throwaway redis-server.
# Everything started here is stopped on exit, Ctrl+C included.
source "$(dirname "$0")/../scripts/_common.sh"
source "$ROOT/scripts/_stack.sh"

MODE=run
case "${1:-}" in
  --saturation) MODE=saturation ;;
  "") ;;
  *) echo "usage: perf/load.sh [--saturation]" >&2; exit 2 ;;
esac
USERS="${LOAD_USERS:-60}"
SECONDS_RUN="${LOAD_SECONDS:-60}"
SPAWN="${LOAD_SPAWN_RATE:-10}"
SAT_SECONDS="${LOAD_SATURATION_SECONDS:-45}"
SAT_USERS=(20 60 120)
# Per instance; the two instances together run 2 × this many processes on this machine's cores.
export GUNICORN_WORKERS="${GUNICORN_WORKERS:-$(nproc)}"
export GUNICORN_THREADS="${GUNICORN_THREADS:-2}"

if [ ! -x "$VENV/bin/gunicorn" ]; then
  echo "No .venv with the project's packages: run scripts/serve.sh once (it installs them), then this." >&2
  exit 1
fi
PY="$VENV/bin/python"

# --- locust, in a venv of its own -----------------------------------------------------------------
LOAD_VENV="$ROOT/var/load-venv"
find_python
if [ ! -x "$LOAD_VENV/bin/python" ]; then
  say "Creating var/load-venv for locust"
  "$PYTHON" -m venv "$LOAD_VENV"
fi
sum="$(sha256sum requirements-load.txt | cut -d' ' -f1)"
if [ "$(cat "$LOAD_VENV/.installed" 2>/dev/null)" != "$sum" ]; then
  say "Installing locust from requirements-load.txt (hash-checked)"
  "$LOAD_VENV/bin/python" -m pip install --quiet --require-hashes -r requirements-load.txt
  echo "$sum" > "$LOAD_VENV/.installed"
fi
ensure_nginx

# --- the run's folder, and stopping everything on the way out -------------------------------------
TMP="$(mktemp -d /tmp/ocipizza-load.XXXXXX)"
PIDS=()
REDIS_PORT=""
REDIS_OWN=""
PREFIX="ocipizza-load-$(basename "$TMP" | tr -dc 'A-Za-z0-9')"
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -n "$REDIS_PORT" ] && [ -z "$REDIS_OWN" ] && command -v redis-cli >/dev/null; then
    redis-cli -p "$REDIS_PORT" --scan --pattern "$PREFIX:*" | xargs -r -n 500 redis-cli -p "$REDIS_PORT" del >/dev/null || true
  fi
  if [ -n "${KEEP_TMP:-}" ]; then echo "Kept $TMP"; else rm -rf "$TMP"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if redis_up 6379; then
  REDIS_PORT=6379
  say "Redis: the one on 127.0.0.1:6379, keys under $PREFIX:"
else
  command -v redis-server >/dev/null || apt_install redis-server
  REDIS_PORT="$(free_port)"
  REDIS_OWN=1
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no > "$TMP/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do redis_up "$REDIS_PORT" && break; sleep 0.1; done
  say "Redis: a throwaway redis-server on 127.0.0.1:$REDIS_PORT"
fi

PORT="$(free_port)"; WEB1="$(free_port)"; WEB2="$(free_port)"
while [ "$WEB2" = "$WEB1" ] || [ "$WEB1" = "$PORT" ] || [ "$WEB2" = "$PORT" ]; do WEB2="$(free_port)"; WEB1="$(free_port)"; done
BASE="https://127.0.0.1:$PORT"

export DJANGO_SETTINGS_MODULE=perf.load_settings
export DJANGO_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DJANGO_DEBUG=false
export OCIPIZZA_VAR_DIR="$TMP/var"
export DATABASE_URL="sqlite:///$TMP/var/db.sqlite3"
export NOSQL_BACKEND=sqlite
export LOAD_STATIC_ROOT="$TMP/static"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CACHE_KEY_PREFIX="$PREFIX"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
# nginx appends to X-Forwarded-For, and each simulated user sends an address of its own before it (as
# a CDN in front would): the per-IP rate limits count per user, not the whole test as one client.
export TRUSTED_PROXY_COUNT=2
export FORWARDED_ALLOW_IPS=127.0.0.1
# The outbox keeps any e-mail; nothing sends it during the run (no SMTP relay on this machine).
export MAIL_SEND_IMMEDIATELY=false
export SITE_URL="$BASE"
# Open around the clock, with the per-customer caps at their highest (ORDER_LIMIT_MAX = 20:
# max_open_orders and max_orders_per_hour); each simulated customer places a few orders a minute.
export PIZZERIA_PROFILE_FILE="$TMP/pizzeria.json"
"$PY" - "$ROOT/data/pizzeria.json" "$PIZZERIA_PROFILE_FILE" <<'PY'
import json, sys
document = json.load(open(sys.argv[1]))
document["hours"] = {day: [["00:00", "12:00"], ["12:00", "00:00"]] for day in document["hours"]}
document.update(max_open_orders=20, max_orders_per_hour=20)
json.dump(document, open(sys.argv[2], "w"), ensure_ascii=False)
PY

say "Preparing the store in $TMP"
"$PY" manage.py migrate --no-input -v 0 > "$TMP/setup.log" 2>&1
"$PY" manage.py nosql_migrate >> "$TMP/setup.log" 2>&1
"$PY" manage.py load_menu >> "$TMP/setup.log" 2>&1
"$PY" manage.py load_pizzeria >> "$TMP/setup.log" 2>&1
"$PY" manage.py build_cep_db >> "$TMP/setup.log" 2>&1
"$PY" manage.py collectstatic --no-input -v 0 >> "$TMP/setup.log" 2>&1
"$PY" manage.py error_pages "$TMP/errors" >> "$TMP/setup.log" 2>&1
MOST_USERS="$USERS"; [ "$MODE" = saturation ] && MOST_USERS="${SAT_USERS[-1]}"
CUSTOMERS=$(( (MOST_USERS * 2 + 2) / 3 + 2 ))  # Customer users are 2 in 3 (perf/locustfile.py)
say "Signing up and confirming $CUSTOMERS customers (the project's services, Argon2 hashes)"
"$PY" perf/load_store.py seed --customers "$CUSTOMERS" --out "$TMP/users.json" 2> >(grep -v -e nosql.W001 -e "HINT: It serves" -e "^System check" -e "^WARNINGS:" -e "^$" >&2)

say "Starting two instances (gunicorn, $GUNICORN_WORKERS workers × $GUNICORN_THREADS threads each) on :$WEB1 and :$WEB2"
for port in "$WEB1" "$WEB2"; do
  start_gunicorn "127.0.0.1:$port" "$TMP/web-$port.log"
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/healthz" "gunicorn on :$port" "$!" "$TMP/web-$port.log" || exit 1
done

say "Starting nginx on $BASE (deploy/nginx.conf in deploy/nginx-load.conf)"
render_nginx "$TMP/nginx" "$PORT" "127.0.0.1:$WEB1" "127.0.0.1:$WEB2" "$TMP/errors"
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" > "$TMP/nginx/stdout.log" 2>&1 &
PIDS+=($!)
wait_http "$BASE/healthz" "nginx" "$!" "$TMP/nginx/error.log" || exit 1

RESULTS="$ROOT/var/load/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
cp "$TMP/users.json" "$RESULTS/users.json"

run_locust() {  # users, seconds, label: locust's CSV and HTML into $RESULTS/<label>*, figures in <label>-summary.json
  local users="$1" seconds="$2" label="$3"
  say "locust: $users users for ${seconds}s against $BASE ($label)"
  rm -f "$RESULTS/$label-checkouts.jsonl"
  LOAD_DATA="$TMP/users.json" LOAD_CHECKOUTS="$RESULTS/$label-checkouts.jsonl" \
  LOAD_SUMMARY="$RESULTS/$label-summary.json" \
    "$LOAD_VENV/bin/locust" -f perf/locustfile.py --host "$BASE" --headless -u "$users" -r "$SPAWN" \
    -t "${seconds}s" --stop-timeout 10 --csv "$RESULTS/$label" --html "$RESULTS/$label.html" \
    --only-summary --loglevel WARNING > "$RESULTS/$label-locust.log" 2>&1 &
  local locust=$!
  PIDS+=($locust)
  local started=$SECONDS
  while kill -0 "$locust" 2>/dev/null; do
    sleep 5
    local done_=$((SECONDS - started))
    kill -0 "$locust" 2>/dev/null && printf '   %3ds / %ss, %s checkouts answered\n' "$done_" "$seconds" \
      "$(cat "$RESULTS/$label-checkouts.jsonl" 2>/dev/null | wc -l)"
  done
  wait "$locust" || true  # locust exits 1 when any request failed; the summary says which
  [ -s "$RESULTS/$label-summary.json" ] || { echo "locust wrote no summary; its log:" >&2; tail -30 "$RESULTS/$label-locust.log" >&2; exit 1; }
}

EARLIER=()  # answer files of the earlier runs against the same store (--saturation)
summarise() {  # label, users: prints the one-line summary, returns 0 when every goal is met
  local label="$1" users="$2"
  "$PY" perf/load_store.py check --users "$TMP/users.json" --answers "$RESULTS/$label-checkouts.jsonl" \
    --earlier "${EARLIER[@]}" > "$RESULTS/$label-store.json"
  "$PY" - "$RESULTS/$label-summary.json" "$RESULTS/$label-store.json" "$users" "$RESULTS/$label" <<'PY'
import json, sys
run, store = (json.load(open(path)) for path in sys.argv[1:3])
goals = {
    "0 server errors": run["server_errors"] == 0,
    "GET p95 <= 100 ms": run["get_p95_ms"] <= 100,
    "checkout POST p95 <= 300 ms": run["checkout_p95_ms"] <= 300,
    "each checkout answer = exactly 1 stored order": store["ok"],
}
met = all(goals.values())
window = (
    f"steady state, the last {run['seconds']:.0f} s" if run["steady"]
    else "whole run: the ramp did not end (every user started and signed in) before the run did"
)
print(
    f"{sys.argv[3]} users ({window}): {run['requests']} requests ({run['rps']}/s), {run['failures']} "
    f"failures, {run['server_errors']} 5xx in the whole run, GET p95 {run['get_p95_ms']:.0f} ms, "
    f"checkout POST p95 {run['checkout_p95_ms']:.0f} ms ({run['checkout_posts']} POSTs), checkouts "
    f"answered {store['answered']} / stored orders {store['stored']} / matched {store['matched']} "
    f"(unanswered stored {store['stored_unanswered']}) -> {'MET' if met else 'NOT MET'}"
    + ("" if met else " (" + "; ".join(name for name, ok in goals.items() if not ok) + ")")
)
ramp = run.get("ramp")
if ramp:
    print(
        f"   ramp, first {ramp['seconds']:.0f} s (users starting, customers signing in with Argon2): "
        f"{ramp['requests']} requests, GET p95 {ramp['get_p95_ms']:.0f} ms, checkout POST p95 "
        f"{ramp['checkout_p95_ms']:.0f} ms ({ramp['checkout_posts']} POSTs); not judged"
    )
print(f"   report: {sys.argv[4]}.html, CSV {sys.argv[4]}_stats.csv")
sys.exit(0 if met else 3)
PY
}

if [ "$MODE" = run ]; then
  run_locust "$USERS" "$SECONDS_RUN" "run"
  summarise run "$USERS" | tee "$RESULTS/summary.txt"
  exit "${PIPESTATUS[0]}"
fi

SATURATED=""
: > "$RESULTS/summary.txt"
for users in "${SAT_USERS[@]}"; do
  run_locust "$users" "$SAT_SECONDS" "u$users"
  summarise "u$users" "$users" | tee -a "$RESULTS/summary.txt" || true
  EARLIER+=("$RESULTS/u$users-checkouts.jsonl")  # here, not in summarise: the pipe runs it in a subshell
  p95="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["get_p95_ms"])' "$RESULTS/u$users-summary.json")"
  if [ -z "$SATURATED" ] && "$PY" -c 'import sys; sys.exit(float(sys.argv[1]) <= 100)' "$p95"; then SATURATED="$users"; fi
done
if [ -n "$SATURATED" ]; then
  echo "Saturation: GET p95 passes 100 ms at $SATURATED users (of ${SAT_USERS[*]}; ${SAT_SECONDS}s each)" | tee -a "$RESULTS/summary.txt"
else
  echo "Saturation: GET p95 stays within 100 ms up to ${SAT_USERS[-1]} users (${SAT_SECONDS}s each)" | tee -a "$RESULTS/summary.txt"
fi
