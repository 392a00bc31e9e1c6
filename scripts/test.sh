#!/usr/bin/env bash
# Install what the tests need (Chromium, Redis, Python packages) and run the whole suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k menu
source "$(dirname "$0")/_common.sh"

# zbar-tools reads QR codes back in the PIX tests; gettext's xgettext finds every translatable string;
# nginx is the balancer of the topology tests (tests/topology), docker-compose checks docker-compose.yml.
apt_install chromium chromium-driver redis-server zbar-tools gettext nginx docker-compose
make_venv requirements-test.txt
PY="$VENV/bin/python"

if ! redis_up 6379; then
  say "Starting redis-server on 127.0.0.1:6379"
  mkdir -p "$ROOT/var"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --logfile "$ROOT/var/redis-test.log" --dir /tmp
  for _ in $(seq 50); do redis_up 6379 && break; sleep 0.1; done
  redis_up 6379 || { echo "redis-server did not start; see var/redis-test.log" >&2; exit 1; }
fi

say "Linting (ruff)"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .

say "Running the test suite"
set +e
"$PY" -m pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
