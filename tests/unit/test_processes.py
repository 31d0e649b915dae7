"""`gongwen up`'s children never outlive it, and stopping it ends every child, even one that ignores SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.config import Settings
from services.processes import DIE_WITH_PARENT, STARTUP_SECONDS, Supervisor, free_port, wait_for_http

STUBBORN = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits for its reaper but runs no more
        return stat.read().split(") ")[1][0] != "Z"


def _ignores_sigterm(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as status:
        mask = next(line.split()[1] for line in status if line.startswith("SigIgn:"))
    return bool(int(mask, 16) & (1 << (signal.SIGTERM - 1)))


def test_stop_all_ends_children_that_ignore_sigterm(tmp_path: Path) -> None:
    supervisor = Supervisor(Settings(home=tmp_path), say=lambda _: None)
    procs = [supervisor.start(name, STUBBORN) for name in ("worker-1", "worker-2", "scheduler", "api")]
    deadline = time.monotonic() + 30
    while not all(_ignores_sigterm(p.pid) for p in procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    supervisor.stop_all(timeout=0.5)
    assert [p.poll() for p in procs] == [-signal.SIGKILL] * 4
    assert supervisor.children == {}


@pytest.mark.skipif(DIE_WITH_PARENT is None, reason="the parent-death signal is Linux's prctl")
def test_children_die_with_a_killed_supervisor(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from services.config import Settings\n"
        "from services.processes import Supervisor\n"
        f"s = Supervisor(Settings(home={str(tmp_path)!r}), say=lambda _: None)\n"
        f"print(s.start('worker-1', {STUBBORN!r}).pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()  # as the OOM killer or `kill -9` would
    parent.wait()
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def test_a_child_that_dies_while_starting_is_reported_at_once_not_after_the_start_up_wait() -> None:
    child = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match="exited with 3"):
        wait_for_http(f"http://127.0.0.1:{free_port()}/health", STARTUP_SECONDS, process=child)
