"""gunicorn settings for ``smartgov serve``: threaded workers, multi-process metrics clean-up."""

import os

from smartgov.config.env import env

worker_class = "gthread"
threads = env("SMARTGOV_THREADS")
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = None  # requests are counted in /metrics and logged by the app as JSON
errorlog = "-"


def child_exit(server, worker):
    """A dead worker's metric files must stop counting as live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
