"""Real processes for the tests that run the service as it is deployed: a private redis-server on a
free loopback port, gunicorn with the deployment's config (`server.gunicorn_conf`), and schedulers
(`python -m server.scheduler`), each with the environment the deployment gives it."""

import os
import socket
import subprocess
import sys
import time

import requests
from conftest import APPID, ROOT, SECRET

GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf", "server.wsgi:app"]
SCHEDULER = [sys.executable, "-m", "server.scheduler"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """Our own redis-server on a free loopback port, in its own directory, without persistence."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, "redis-server to start")

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process is not None:
            stop(self.process)
        self.process = None


def service_env(database_url, redis_url, emulator_url, **settings):
    """The environment of a service process: this machine's, without any DATABASE_/REDIS_/WECHAT_
    setting of its own, plus the test database, Redis and WeChat emulator and `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "REDIS_", "WECHAT_"))}
    env.update({
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WECHAT_API_BASE_URL": emulator_url,
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
    })
    env.update({key: str(value) for key, value in settings.items()})
    return env


def spawn(command, env, log_path):
    """Start `command` in the log file's directory, its output in that file."""
    with open(log_path, "w") as log:
        return subprocess.Popen(command, cwd=os.path.dirname(log_path), env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def answers_health(url):
    try:
        return requests.get(url + "/api/v1/health", timeout=2).status_code in (200, 503)
    except requests.RequestException:
        return False


def stop(process, timeout=10):
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait(timeout=10)
