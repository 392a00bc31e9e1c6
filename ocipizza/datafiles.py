"""Reading the JSON data files operators load (menu, pizzeria profile)."""

import json
from pathlib import Path


def read_json(path: Path, *, error: type[Exception], missing_hint: str):
    """The parsed file, or ``error`` with a message that says what is wrong and what to do."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise error(f"{path} does not exist; {missing_hint}") from e
    except (OSError, ValueError) as e:
        raise error(f"{path} is not valid JSON: {e}") from e
