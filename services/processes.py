"""Starting and stopping the processes `gongwen up` runs: Prefect server, worker, scheduler, API."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.config import Settings

# On a SQLite-backed Prefect server the task run recorder writes one event per transaction and holds the
# write lock against the API: flow runs then take ≈2 s each (clients retry "database is locked") with stalls
# up to a minute. Batching its writes brings a 3-task flow to ≈0.15 s (measured; see docs/architecture.md).
PREFECT_SERVER_TUNING = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "2",
}


def prefect_env(settings: Settings) -> dict[str, str]:
    """Environment every process of one instance shares: its home, and Prefect's state under that home."""
    env = dict(os.environ)
    env.update(
        {
            "GONGWEN_HOME": str(settings.home_dir),
            "PREFECT_HOME": str(settings.prefect_home),
            "PREFECT_API_URL": settings.prefect_api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "PREFECT_LOGGING_LEVEL": env.get("PREFECT_LOGGING_LEVEL", "WARNING"),
            **PREFECT_SERVER_TUNING,
        }
    )
    if settings.prefect.database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = settings.prefect.database_url
    return env


def free_port() -> int:
    """A port nothing listens on now, for servers the tests and benchmarks start."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gongwen_command(*args: str) -> list[str]:
    exe = shutil.which("gongwen", path=str(Path(sys.executable).parent))
    return [exe, *args] if exe else [sys.executable, "-m", "services.cli", *args]


@dataclass
class Supervisor:
    settings: Settings
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        path = self.settings.home_dir / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def start(self, name: str, command: list[str], to_log: bool = False) -> subprocess.Popen[bytes]:
        out = open(self.logs / f"{name}.log", "ab") if to_log else None  # noqa: SIM115 - lives with the child
        proc = subprocess.Popen(command, env=prefect_env(self.settings), stdout=out, stderr=out)
        self.children[name] = proc
        return proc

    def start_prefect_server(self) -> None:
        self.settings.prefect_home.mkdir(parents=True, exist_ok=True)
        prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
        self.start(
            "prefect-server",
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(self.settings.prefect.port)],
            to_log=True,
        )
        wait_for_http(self.settings.prefect_api_url + "/health", timeout=120, process=self.children["prefect-server"])

    def stop(self, name: str, timeout: float = 15) -> None:
        proc = self.children.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        # The runner before the server: serve() can hang on SIGTERM while its API is going away (STACK-NOTES).
        for name in ("scheduler", "worker", "api", "prefect-server"):
            self.stop(name)
        for name in list(self.children):
            self.stop(name)

    def watch(self) -> str:
        """Block until a child exits; return its name."""
        while True:
            for name, proc in self.children.items():
                if proc.poll() is not None:
                    return name
            time.sleep(0.5)


def wait_for_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")
