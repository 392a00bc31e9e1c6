#!/usr/bin/env bash
# Install OCI PIZZA and serve it on http://127.0.0.1:8000 with embedded defaults:
# SQLite store, local photo files, e-mail printed on the console, Redis when one answers on 6379.
source "$(dirname "$0")/_common.sh"

make_venv requirements.txt
export DJANGO_SETTINGS_MODULE=ocipizza.settings.local
if [ -z "${REDIS_URL:-}" ] && redis_up 6379; then
  export REDIS_URL="redis://127.0.0.1:6379/0"
  say "Redis answers on 127.0.0.1:6379: sessions and carts live there"
else
  say "No Redis on 127.0.0.1:6379: sessions go to the local database (start redis-server to use it)"
fi
PY="$VENV/bin/python"
mkdir -p "$ROOT/var"
say "Creating the relational database";  "$PY" manage.py migrate --no-input -v 1
say "Creating the NoSQL tables";         "$PY" manage.py nosql_migrate
say "Loading the menu and its photos";   "$PY" manage.py load_menu
say "Loading the pizzeria's profile";    "$PY" manage.py load_pizzeria
say "Building the CEP database";         "$PY" manage.py build_cep_db
say "Collecting static files";           "$PY" manage.py collectstatic --no-input -v 0
# The mail sender: delivers the outbox (confirmations, order e-mails) to the console every few seconds.
"$PY" manage.py send_outbox --loop --interval 5 > "$ROOT/var/send_outbox.log" 2>&1 &
SENDER=$!
trap 'kill $SENDER 2>/dev/null' EXIT
say "Serving on http://127.0.0.1:8000 (Ctrl+C stops; e-mails are printed in var/send_outbox.log)"
"$PY" manage.py runserver 127.0.0.1:8000
