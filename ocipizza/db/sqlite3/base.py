"""Django's SQLite engine, creating the database file's folder on first connect.

SQLite creates a missing database file but not its folder. Creating the folder here, when the database
is first opened, keeps settings free of filesystem writes at import (ocipizza/settings/base.py).
"""

from pathlib import Path

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        database = conn_params["database"]
        # Plain paths only: "file:" URIs (the in-memory test databases among them) are left to SQLite.
        if not self.creation.is_in_memory_db(database) and not str(database).startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
