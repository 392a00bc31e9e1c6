"""The shop's hot pages under real gunicorn against a hello-world view of the same server, same run.

Usage: .venv/bin/python perf/bench_shop.py [--seconds 3] [--rounds 3] [--clients 2] [--threads 4]

Prints requests/s of /perf/hello, the menu page (anonymous, warm cache), the cart page (a session with
three lines) and add-to-cart (POST with CSRF, answered by a redirect), and each one's ratio to hello
world. Goals: menu ≥ 0.30, cart ≥ 0.25, add to cart ≥ 0.20. Uses a throwaway embedded store and
Redis on 127.0.0.1:6379 (database 13) for sessions and the cache, as in production.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perf.httpbench import gunicorn, load  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/13"
GOALS = {"menu": 0.30, "cart": 0.25, "add to cart": 0.20}


def prepare_store(folder: Path) -> dict:
    """Tables, menu and profile in a fresh embedded store; returns the environment that points at it."""
    environment = {
        "NOSQL_SQLITE_PATH": str(folder / "nosql.sqlite3"),
        "MEDIA_ROOT": str(folder / "media"),
        "OCIPIZZA_VAR_DIR": str(folder),
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "bench-shop",
    }
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocipizza.settings.local")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        for command in ("migrate", "nosql_migrate", "load_menu", "load_pizzeria"):
            call_command(command, stdout=quiet)
        # Production settings serve hashed static names from the manifest collectstatic writes.
        call_command("collectstatic", "--no-input", stdout=quiet)
    cache.clear()
    return environment


def session_with_cart(port: int) -> tuple[str, str]:
    """A fresh session holding three cart lines; returns (cookie header, csrf token)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/")
    response = connection.getresponse()
    html = response.read().decode()
    if response.status != 200 or not response.headers.get_all("Set-Cookie"):
        raise SystemExit(f"GET / answered {response.status} without cookies: {html[:300]}")
    cookies = {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";")[0] for c in response.headers.get_all("Set-Cookie")
    }
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    for item, extra in (("calabresa", {"half": "peperone"}), ("bauru", {}), ("refrigerante-2l", {})):
        body = urlencode({"item": item, "quantity": 1, "csrfmiddlewaretoken": token, **extra})
        header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        connection.request("POST", "/carrinho/adicionar/", body=body, headers={
            "Cookie": header, "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/",
        })  # fmt: skip
        response = connection.getresponse()
        response.read()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, value = cookie.split("=", 1)
            cookies[name] = value.split(";")[0]
    connection.close()
    assert "sessionid" in cookies, "adding to the cart made no session"
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), token


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each page, alternated; best is kept")
    parser.add_argument("--clients", type=int, default=2, help="client processes, one connection each")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    args = parser.parse_args()
    if not 0 < args.seconds <= 60 or not 0 < args.rounds <= 10 or not 0 < args.clients <= 16:
        parser.error("keep it bounded: --seconds ≤ 60, --rounds ≤ 10, --clients ≤ 16")

    with tempfile.TemporaryDirectory(prefix="bench-shop-") as folder:
        environment = prepare_store(Path(folder))
        with gunicorn(environment, workers=args.workers, threads=args.threads) as port:
            sessions = [session_with_cart(port) for _ in range(args.clients)]
            origin = {
                "Referer": f"http://127.0.0.1:{port}/",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            add_body = urlencode({"item": "agua-mineral", "quantity": 1})
            pages = {
                "hello": [["/perf/hello"]] * args.clients,
                "menu": [["/"]] * args.clients,
                "cart": [[("GET", "/carrinho/", None, {"Cookie": cookie})] for cookie, _ in sessions],
                "add to cart": [
                    [
                        (
                            "POST",
                            "/carrinho/adicionar/",
                            f"{add_body}&csrfmiddlewaretoken={token}",
                            {**origin, "Cookie": cookie},
                        )
                    ]
                    for cookie, token in sessions
                ],
            }
            ok_statuses = {"add to cart": (302,)}
            best = dict.fromkeys(pages, 0.0)
            failures = 0
            print(
                f"gunicorn {args.workers} worker(s) x {args.threads} threads (gthread); "
                f"{args.clients} client processes with keep-alive; {args.seconds:g} s per run, "
                f"best of {args.rounds}; 127.0.0.1"
            )
            with multiprocessing.Pool(args.clients) as pool:
                for name, requests in pages.items():  # warm-up: imports, caches, connections
                    load(pool, port, requests, 1.0, ok_statuses.get(name, (200,)))
                for _ in range(args.rounds):
                    for name, requests in pages.items():
                        rate, errors = load(pool, port, requests, args.seconds, ok_statuses.get(name, (200,)))
                        best[name] = max(best[name], rate)
                        failures += errors
    print(f"\n{'page':<28}{'req/s':>9}{'ratio':>9}")
    for name, rate in best.items():
        goal = f"   (goal ≥ {GOALS[name]:.2f})" if name in GOALS else ""
        print(f"{name:<28}{rate:>9.0f}{rate / best['hello']:>9.2f}{goal}")
    if failures:
        print(f"!! {failures} requests failed or had an unexpected status")


if __name__ == "__main__":
    main()
