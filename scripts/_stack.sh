# Shared by perf/load.sh and scripts/topology.sh (source it after _common.sh): the pieces of the
# production picture run on loopback — free ports, waiting for a server, gunicorn instances, and nginx
# with deploy/nginx.conf rendered into a run folder of its own.

free_port() { "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# url, what, pid, log: until the url answers (any HTTP status), or the process died, or 30 s.
wait_http() {
  for _ in $(seq 300); do
    kill -0 "$3" 2>/dev/null || { echo "$2 exited; the end of its log ($4):" >&2; tail -20 "$4" >&2; return 1; }
    if "$VENV/bin/python" - "$1" <<'PY'
import ssl, sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=1, context=ssl._create_unverified_context())
except urllib.error.HTTPError:
    pass
except OSError:
    sys.exit(1)
PY
    then return 0; fi
    sleep 0.1
  done
  echo "$2 did not answer at $1 in 30 s; the end of its log ($4):" >&2; tail -20 "$4" >&2; return 1
}

ensure_nginx() {
  command -v nginx >/dev/null || PATH="$PATH:/usr/sbin"
  command -v nginx >/dev/null || apt_install nginx
  command -v nginx >/dev/null || PATH="$PATH:/usr/sbin"
}

# dir port web1 web2 error_pages: writes dir/nginx.conf (deploy/nginx-load.conf) including
# dir/ocipizza.conf (deploy/nginx.conf, the production balancer, with its ${OCIPIZZA_...} filled in as
# the nginx image does) and a self-signed certificate for 127.0.0.1, all in dir.
render_nginx() {
  local dir="$1" port="$2" web1="$3" web2="$4" pages="$5"
  mkdir -p "$dir"
  [ -s "$dir/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  sed -e "s#@DIR@#$dir#g" -e "s#@USER@#$(id -un)#g" "$ROOT/deploy/nginx-load.conf" > "$dir/nginx.conf"
  OCIPIZZA_WEB1="$web1" OCIPIZZA_WEB2="$web2" OCIPIZZA_LISTEN="127.0.0.1:$port ssl" OCIPIZZA_ERROR_PAGES="$pages" \
    "$VENV/bin/python" - "$ROOT/deploy/nginx.conf" "$dir/ocipizza.conf" <<'PY'
import os, re, sys
# Only the ${OCIPIZZA_...} variables, like the image's envsubst limited to the variables it was given:
# nginx's own $variables stay.
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(re.sub(r"\$\{(OCIPIZZA_\w+)\}", lambda m: os.environ[m.group(1)], text))
PY
  nginx -t -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/test.log" 2>&1 \
    || { echo "nginx refuses the rendered config:" >&2; cat "$dir/test.log" >&2; return 1; }
}

# bind log: starts one instance of the project (gunicorn.conf.py) in the background, its output appended
# to log (a restart keeps what the last run wrote); its pid in $!.
# As root, the instance runs without the capabilities that let root write any file
# (CAP_DAC_OVERRIDE), so file permissions bind it as they bind the unprivileged user of production.
start_gunicorn() {
  local bind="$1" log="$2" prefix=()
  if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    prefix=(setpriv --bounding-set=-dac_override,-dac_read_search)
  fi
  GUNICORN_BIND="$bind" setsid "${prefix[@]}" "$VENV/bin/gunicorn" -c "$ROOT/gunicorn.conf.py" \
    ocipizza.wsgi:application >>"$log" 2>&1 </dev/null &
}
