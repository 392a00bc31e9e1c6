"""Settings: importing them writes nothing; folders appear when something first writes into them."""

import os
import subprocess
import sys
from pathlib import Path

from django.db.utils import ConnectionHandler

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_settings_creates_no_folder(tmp_path):
    var = tmp_path / "var"
    environment = {**os.environ, "OCIPIZZA_VAR_DIR": str(var), "DJANGO_READ_DOT_ENV_FILE": "false"}
    for module in ("local", "production", "test"):
        subprocess.run(
            [sys.executable, "-c", f"import ocipizza.settings.{module}"],
            cwd=ROOT,
            env={**environment, "DJANGO_SECRET_KEY": "x" * 50},
            check=True,
        )
    assert not var.exists()


def test_the_sqlite_engine_creates_the_database_folder_on_first_connect(tmp_path, django_db_blocker):
    name = tmp_path / "var" / "nested" / "db.sqlite3"
    databases = ConnectionHandler({"default": {"ENGINE": "ocipizza.db.sqlite3", "NAME": str(name)}})
    connection = databases["default"]
    with django_db_blocker.unblock():
        connection.ensure_connection()
        connection.close()
    assert name.is_file()
