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
say "Creating the relational database";  "$PY" manage.py migrate --no-input -v 1
say "Creating the NoSQL tables";         "$PY" manage.py nosql_migrate
say "Loading the menu and its photos";   "$PY" manage.py load_menu
if "$PY" manage.py help build_cep_db >/dev/null 2>&1; then
  say "Building the CEP database";       "$PY" manage.py build_cep_db
fi
say "Collecting static files";           "$PY" manage.py collectstatic --no-input -v 0
say "Serving on http://127.0.0.1:8000 (Ctrl+C stops)"
exec "$PY" manage.py runserver 127.0.0.1:8000
