"""Starting and stopping the processes `gongwen up` runs: Prefect server, worker, scheduler, API."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
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


def _parent_death_signal() -> Callable[[], None] | None:
    """On Linux, a child asks the kernel to be killed when `gongwen up` dies, even by SIGKILL or the OOM killer,
    so that no worker or server runs on without its supervisor. Resolved once, before any fork."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def ask() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return ask


DIE_WITH_PARENT = _parent_death_signal()
# How long a child that is still running may take to answer: generous, since a loaded machine (2 cores busy) took
# over a minute to start the API; a child that exits is noticed at once whatever this is.
STARTUP_SECONDS = 300.0
INSTANCE_ENV = "GONGWEN_INSTANCE"  # set by `gongwen up` for its children: its API names it in the health answer


def die_with_parent(parent_pid: int) -> None:
    """For a process started by another that cannot ask for it (uvicorn's worker processes): die when the parent
    does, and at once if it already has."""
    if DIE_WITH_PARENT is not None:
        DIE_WITH_PARENT()
    if os.getppid() != parent_pid:
        os._exit(1)


def prefect_env(settings: Settings) -> dict[str, str]:
    """Environment every process of one instance shares: its home, and Prefect's state under that home."""
    env = dict(os.environ)
    env.update(
        {
            "GONGWEN_HOME": str(settings.home_dir),
            "PREFECT_HOME": str(settings.prefect_home),
            "TZ": settings.timezone,  # log lines (ours and Prefect's) in the instance's zone
            "PREFECT_API_URL": settings.prefect_api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            # A stopped or paused server must not hold a step for minutes: short requests, few client retries;
            # the worker waits for the server itself and puts the steps back when it answers.
            "PREFECT_API_REQUEST_TIMEOUT": env.get("PREFECT_API_REQUEST_TIMEOUT", "10"),
            "PREFECT_CLIENT_MAX_RETRIES": env.get("PREFECT_CLIENT_MAX_RETRIES", "2"),
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
class Child:
    name: str
    command: list[str]
    to_log: bool
    proc: subprocess.Popen[bytes]
    started: float
    restarts: int = 0
    restart_at: float | None = None


@dataclass
class Supervisor:
    """Starts the parts of an instance and keeps them running: a child that exits is started again after a
    backoff (1 s, doubling to 30 s; back to 1 s once it has stayed up a minute). Only a signal stops it all."""

    settings: Settings
    children: dict[str, Child] = field(default_factory=dict)
    say: Callable[[str], None] = print
    instance: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def logs(self) -> Path:
        path = self.settings.home_dir / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def start(self, name: str, command: list[str], to_log: bool = False) -> subprocess.Popen[bytes]:
        out = open(self.logs / f"{name}.log", "ab") if to_log else None  # noqa: SIM115 - lives with the child
        # preexec_fn only calls prctl, resolved before the fork. The signal follows the thread that starts the
        # child: `gongwen up` starts and restarts children from its main thread, which lives as long as it does.
        env = {**prefect_env(self.settings), INSTANCE_ENV: self.instance}
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out, preexec_fn=DIE_WITH_PARENT)
        previous = self.children.get(name)
        restarts = previous.restarts if previous else 0
        self.children[name] = Child(name, command, to_log, proc, time.monotonic(), restarts)
        return proc

    def process(self, name: str) -> subprocess.Popen[bytes]:
        return self.children[name].proc

    def start_prefect_server(self, wait: bool = True) -> None:
        self.settings.prefect_home.mkdir(parents=True, exist_ok=True)
        prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
        command = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(self.settings.prefect.port)]
        self.start("prefect-server", command, to_log=True)
        if wait:
            wait_for_http(
                self.settings.prefect_api_url + "/health", STARTUP_SECONDS, process=self.process("prefect-server")
            )

    def stop(self, name: str, timeout: float = 15) -> None:
        self._stop_together([name], timeout)

    def stop_all(self, timeout: float = 15) -> None:
        """Everything stopped within about twice ``timeout``, whatever hangs on SIGTERM (then killed)."""
        # The runners before the server: serve() can hang on SIGTERM while its API is going away (STACK-NOTES).
        self._stop_together([n for n in self.children if n.startswith(("scheduler", "worker"))], timeout)
        self._stop_together(list(self.children), timeout)

    def _stop_together(self, names: list[str], timeout: float) -> None:
        """SIGTERM to each at once, one shared deadline, then SIGKILL to whatever is still running."""
        children = [c for c in (self.children.pop(n, None) for n in names) if c and c.proc.poll() is None]
        for child in children:
            child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in children:
            try:
                child.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()

    def supervise(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: restart whatever exits, with backoff, and say so."""
        while not stop.is_set():
            now = time.monotonic()
            for child in list(self.children.values()):
                self._look_after(child, now)
            stop.wait(0.5)

    def _look_after(self, child: Child, now: float) -> None:
        if child.restart_at is None:
            code = child.proc.poll()
            if code is None:
                return
            if now - child.started > 60:
                child.restarts = 0
            delay = min(30.0, 2.0**child.restarts)
            child.restart_at = now + delay
            self.say(f"{child.name} exited with {code}; starting it again in {delay:.0f}s")
        elif now >= child.restart_at:
            child.restarts += 1
            if child.name == "prefect-server":
                self.start_prefect_server(wait=False)
            else:
                self.start(child.name, child.command, child.to_log)
            self.children[child.name].restarts = child.restarts
            self.say(f"{child.name} started again (restart {child.restarts})")


def wait_for_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            # A local process's readiness over plain HTTP: verify=False spares loading the CA bundle each try (≈ 30
            # ms of CPU every 0.3 s, ≈ 10 % of a core while a Prefect server or `gongwen up` starts).
            if httpx.get(url, timeout=2, verify=False).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")
