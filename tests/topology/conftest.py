"""The production topology as processes (scripts/topology.sh), shared by the tests of a session.

``topology``: nginx, two gunicorn instances on the Oracle backend (the NoSQL emulator), Redis with AOF,
the photos in the Object Storage emulator, e-mail through the Fn emulator's send_mail function (both in
cloud mode, checking the signatures of the run's own API key), SMTP sink and outbox sender.
``embedded_topology``: one instance on the embedded SQLite store behind nginx (with the same cloud
parts), for the store-file faults. Both start once per session (about 20 s each) and are stopped by PID
at the end; a test that stops or breaks a service puts it back (``restored``), so the next test finds
everything running. The CEP database is built once for both.
"""

from __future__ import annotations

import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from django.test import override_settings

from .client import Browser

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "topology.sh"
SERVICES = ("smtp", "redis", "nosql", "objectstorage", "functions", "web1", "web2", "nginx", "mailer")
BUCKET = "ocipizza-media"


class Topology:
    def __init__(self, folder: Path, **environment: str):
        self.folder = folder
        self.environment = {**os.environ, "TOPOLOGY_DIR": str(folder), **environment}

    def run(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [str(SCRIPT), *args],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"scripts/topology.sh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def start(self) -> Topology:
        self.run("start")
        self.state = dict(
            line.split("=", 1)
            for line in (self.folder / "topology.env").read_text().splitlines()
            if "=" in line
        )
        self.url = f"https://127.0.0.1:{self.state['PORT']}"
        self.customers = json.loads((self.folder / "customers.json").read_text())
        return self

    def stop(self) -> None:
        self.run("stop")

    def stop_service(self, name: str, signal: str = "TERM") -> None:
        self.run("stop-service", name, signal)

    def start_service(self, name: str) -> None:
        self.run("start-service", name)

    def pid(self, name: str) -> int | None:
        path = self.folder / "pids" / f"{name}.pid"
        return int(path.read_text()) if path.exists() else None

    def running(self, name: str) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

    def web_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.state[name.upper() + '_PORT']}"

    def instance_get(self, name: str, path: str) -> requests.Response:
        """A GET straight to one instance, with the headers the balancer adds (HTTPS, its Host)."""
        headers = {
            "Host": self.url.split("//", 1)[1],
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
        }
        return requests.get(self.web_url(name) + path, headers=headers, allow_redirects=False, timeout=15)

    def log(self, name: str) -> str:
        return (self.folder / "logs" / f"{name}.log").read_text(errors="replace")

    def nginx_errors(self) -> str:
        return (self.folder / "nginx" / "error.log").read_text(errors="replace")

    def browser(self, **kwargs) -> Browser:
        return Browser(self.url, **kwargs)

    def signed_in(self, index: int = 0, **kwargs) -> Browser:
        browser = self.browser(**kwargs)
        user = self.customers["users"][index]
        browser.sign_in(user["email"], user["password"])
        return browser

    def emulator(self, name: str, payload: dict) -> dict:
        response = requests.post(
            f"http://127.0.0.1:{self.state['NOSQL_PORT']}/_emulator/{name}", json=payload, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def emulator_get(self, name: str) -> dict:
        url = f"http://127.0.0.1:{self.state['NOSQL_PORT']}/_emulator/{name}"
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        return response.json()

    def cloud_get(self, service: str, name: str) -> dict:
        """An admin endpoint of the Object Storage or Fn emulator (``/_emulator/<name>``)."""
        url = f"http://127.0.0.1:{self.state[service.upper() + '_PORT']}/_emulator/{name}"
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        return response.json()

    def function_log(self) -> list[str]:
        """The lines the send_mail function wrote under fdk, as Fn keeps them per call."""
        return [entry["line"] for entry in self.cloud_get("functions", "logs")["lines"]]

    @property
    def bucket_url(self) -> str:
        return f"http://127.0.0.1:{self.state['OBJECTSTORAGE_PORT']}/n/ocipizza/b/{BUCKET}/o/"

    def bucket_objects(self, prefix: str = "") -> list[str]:
        """The bucket's object names, listed through the oci SDK signed with the topology's API key."""
        from emulators.objectstorage.tests.support import make_client

        client = make_client(
            f"http://127.0.0.1:{self.state['OBJECTSTORAGE_PORT']}", self.folder / "oci" / "config"
        )
        names, start = [], None
        while True:
            page = client.list_objects("ocipizza", BUCKET, prefix=prefix, start=start).data
            names += [entry.name for entry in page.objects]
            start = page.next_start_with
            if not start:
                return names

    def manager(self) -> Browser:
        """The topology's manager signed in to the back office (a TOTP app enrolled at the first time)."""
        staff = json.loads((self.folder / "staff.json").read_text())
        browser = self.browser()
        self.totp_secret = browser.sign_in_staff(
            staff["email"], staff["password"], secret=getattr(self, "totp_secret", None)
        )
        return browser

    @contextmanager
    def store(self):
        """The app's store and secret key as the instances have them, for reading what they wrote."""
        from ocipizza.nosql import stores

        if self.state["STORE"] == "oracle":
            options = {"MODE": "onprem", "ENDPOINT": f"http://127.0.0.1:{self.state['NOSQL_PORT']}"}
            config = {"BACKEND": "ocipizza.nosql.backends.oracle.OracleStore", "OPTIONS": options}
        else:
            options = {"PATH": str(self.folder / "var" / "nosql.sqlite3")}
            config = {"BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore", "OPTIONS": options}
        with override_settings(NOSQL_STORES={"default": config}, SECRET_KEY=self.state["SECRET_KEY"]):
            yield stores["default"]

    def orders_of(self, customer_id: str) -> list:
        from orders import selectors

        with self.store():
            return list(selectors.orders_of_customer(customer_id=customer_id, limit=100))

    def restore(self) -> None:
        """Every service running again (after a test stopped or killed some), in dependency order."""
        for name in SERVICES:
            if name == "nosql" and self.state["STORE"] != "oracle":
                continue
            if name == "web2" and self.state["WEBS"] == "1":
                continue
            if not self.running(name):
                self.start_service(name)
        if self.state["STORE"] == "oracle":
            self.emulator("faults", {"clear": True})


def pytest_collection_modifyitems(items):
    # The topology's certificate is its own self-signed one: unverified HTTPS is the point, not a risk.
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"))


@pytest.fixture(scope="session")
def cep_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("topology-cep") / "cep.sqlite3"


def _start(tmp_path_factory, cep_db, name: str, **environment):
    topology = Topology(tmp_path_factory.mktemp(name), CEP_DB_PATH=str(cep_db), **environment)
    try:
        topology.start()
    except Exception:
        topology.stop()
        raise
    return topology


@pytest.fixture(scope="session")
def topology(tmp_path_factory, cep_db):
    # One worker per instance: what a worker process keeps (the menu's copy) is then the instance's,
    # which the tests can reach through the instance's port; two threads serve concurrent requests.
    topology = _start(tmp_path_factory, cep_db, "topology", TOPOLOGY_STORE="oracle", GUNICORN_WORKERS="1")
    yield topology
    topology.stop()


@pytest.fixture(scope="session")
def embedded_topology(tmp_path_factory, cep_db):
    topology = _start(
        tmp_path_factory, cep_db, "embedded", TOPOLOGY_STORE="sqlite", TOPOLOGY_WEBS="1", GUNICORN_WORKERS="1"
    )
    yield topology
    topology.stop()
