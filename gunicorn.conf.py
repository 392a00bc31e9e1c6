"""gunicorn settings; every value can be overridden with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = 30
# On SIGTERM (a deploy, `docker compose stop`) workers stop accepting and finish what is in flight,
# checkouts included, for up to this long; the orchestrator's grace period must be longer (compose: 25 s).
graceful_timeout = 20
# Behind a load balancer keep connections open a little longer than its idle timeout.
keepalive = 65
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
