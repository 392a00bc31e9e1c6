# Shared by serve.sh and test.sh: find Python 3.11, install Debian packages, build the virtualenv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to run: $* (install sudo or run as root)" >&2; exit 1; fi
}

APT_UPDATED=""
apt_install() {
  # Installs only what is missing, so a prepared machine pays nothing.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON="$(command -v "$candidate")"; return 0
    fi
  done
  echo "OCI PIZZA needs Python 3.11 (python3.11 or python3). Install it, then run this again." >&2
  exit 1
}

make_venv() {
  local requirements="$1"
  find_python
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in .venv"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      apt_install python3-venv
      rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"
    fi
  fi
  # The stamp holds the checksum of the file last installed: any change to it (a pull, a new pin)
  # installs again, whatever the files' dates say. Each requirements file is self-contained.
  local stamp="$VENV/.installed-$(basename "$requirements")"
  local sum
  sum="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    say "Installing Python packages from $requirements"
    # Every file is checked against the sha256 pinned in the requirements file, and pip refuses any
    # package not pinned there. pip itself is the one the venv came with: upgrading it from the index
    # would be the one download that nothing checks.
    "$VENV/bin/python" -m pip install --quiet --progress-bar on --require-hashes -r "$requirements"
    echo "$sum" > "$stamp"
  fi
}

redis_up() { "$VENV/bin/python" - "$1" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5).close()
except OSError:
    sys.exit(1)
PY
}
