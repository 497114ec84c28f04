"""gunicorn configuration for the hub's web processes: `gunicorn -c deploy/gunicorn.conf.py hub.wsgi:app`.

Everything is set through environment variables (see docs/configuration.md); the hub itself reads HUB_*.
"""

import multiprocessing
import os

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8080")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(4, multiprocessing.cpu_count() * 2))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - gunicorn docs: heartbeat in RAM
max_requests = 5000  # recycle workers now and then; jitter keeps them from restarting together
max_requests_jitter = 500
accesslog = None  # the hub writes its own JSON request lines, with the route pattern, never the path
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """A fresh directory for the workers' shared Prometheus counters."""
    directory = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/signaalhub-metrics")  # noqa: S108
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
