#!/usr/bin/env bash
# Refresh the README's screenshots (docs/screenshots/*.png): the browser tests that take them run with
# SCREENSHOTS=1, which makes them save the viewport there as well as checking the pages.
#   scripts/screenshots.sh
source "$(dirname "$0")/_common.sh"

apt_install chromium redis-server
make_venv requirements-test.txt
if ! redis_up 6379; then
  echo "Redis is not running on 127.0.0.1:6379: start it (scripts/test.sh starts one) and run this again." >&2
  exit 1
fi

say "Taking the screenshots (menu on a phone, checkout, tracking)"
SCREENSHOTS=1 "$VENV/bin/python" -m pytest -p no:cacheprovider -q -n0 tests/test_browser_evening_tracking.py \
  -k "removed_cart_line or keyboard_alone or follows_the_kitchen"
ls -l docs/screenshots/*.png
