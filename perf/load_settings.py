"""perf/load.sh's settings: production's, with the collected static files in the run's temp folder.

Everything else (store paths, Redis and its key prefix, hosts, proxy count) comes from the environment
load.sh sets, as it would in a deployment; STATIC_ROOT is the one production value not read from it.
"""

from ocipizza.settings.production import *  # noqa: F403
from ocipizza.settings.production import env

STATIC_ROOT = env("LOAD_STATIC_ROOT")
