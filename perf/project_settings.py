"""The project's production settings, with only the static files' folder moved to a temporary one.

The runner (``perf/run.py``) serves the project with these so that ``collectstatic`` writes into a
throwaway folder instead of the checkout's ``staticfiles/``; every other setting is production's own.
"""

import os
from pathlib import Path

from ocipizza.settings.production import *  # noqa: F403

STATIC_ROOT = Path(os.environ["PERF_STATIC_ROOT"])
