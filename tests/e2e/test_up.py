"""The README's first command: `gongwen up` starts everything on the embedded defaults with example data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from services.processes import STARTUP_SECONDS, gongwen_command, wait_for_http
from services.seed.example import DEMO_PASSWORD
from services.seed.texts import joint_notice, summaries
from tests.conftest import _free_port

pytestmark = pytest.mark.slow


def test_up_serves_the_api_prefect_and_a_joint_document_at_every_stage(tmp_path: Path) -> None:
    api_port, prefect_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGWEN_"))}
    env.update(
        {
            "GONGWEN_HOME": str(tmp_path / "home"),
            "GONGWEN_API__PORT": str(api_port),
            "GONGWEN_PREFECT__PORT": str(prefect_port),
        }
    )
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(gongwen_command("up", "--example-data"), env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{api_port}"
    try:
        wait_for_http(base + "/api/v1/health", timeout=STARTUP_SECONDS, process=proc)
        http = httpx.Client(base_url=base, timeout=30)
        deadline = time.monotonic() + 240
        docs: list[dict[str, object]] = []
        # the example joint notice at every stage (the distributed one issued through 市民委's registrar) and a
        # unit's report on it
        expected = ["distributed", "draft", "in_review", "received", "signing"]
        while time.monotonic() < deadline and sorted(str(d["status"]) for d in docs) != expected:
            token = http.post("/api/v1/auth/login", json={"username": "mw.drafter", "password": DEMO_PASSWORD})
            if token.status_code == 200:
                headers = {"Authorization": f"Bearer {token.json()['token']}"}
                docs = http.get("/api/v1/documents", headers=headers).json()
            time.sleep(1)
        assert sorted(str(d["status"]) for d in docs) == expected
        assert all(len(d["issuers"]) == 3 for d in docs if d["kind"] == "outgoing")  # type: ignore[arg-type]
        report = next(d for d in docs if d["status"] == "received")
        issued = next(d for d in docs if d["status"] == "distributed")
        assert report["reply_to_id"] == issued["id"]
        assert {d["title"] for d in docs if d["kind"] == "outgoing"} == {joint_notice().title}
        assert report["title"] == next(s.title for s in summaries() if s.title.startswith("扎兰屯市卫生健康委员会"))
        prefect = f"http://127.0.0.1:{prefect_port}/api"
        deployments = {d["name"]: d for d in httpx.post(f"{prefect}/deployments/filter", json={}).json()}
        assert set(deployments) == {
            "gongwen-reminders",
            "gongwen-supervision",
            "gongwen-annual-archive",
            "gongwen-fixity-audit",
            "gongwen-audit-anchor",
        }
        schedule = deployments["gongwen-annual-archive"]["schedules"][0]["schedule"]
        assert schedule["cron"] == "0 2 1 3 *" and schedule["timezone"] == "Asia/Shanghai"
        number = str(issued["doc_number"])  # the operator searches the Prefect UI for the 文号
        found = httpx.post(f"{prefect}/flow_runs/filter", json={"flow_runs": {"name": {"like_": number}}}).json()
        steps = {t for r in found for t in r["tags"] if t.startswith("step:")}
        assert steps == {"step:check", "step:issue"}, [(r["name"], r["tags"]) for r in found]
        assert all(number in r["name"] and {f"doc:{issued['id']}", "organ:zlt-mw"} <= set(r["tags"]) for r in found)
        assert all(r["state_type"] == "COMPLETED" for r in found)
        audit = http.get(f"/api/v1/documents/{issued['id']}/audit", headers=headers).json()
        assert [e["action"] for e in audit if e["action"] in ("rechecked", "registered", "sealed", "released")] == [
            "rechecked", "registered", "sealed", "released"
        ]  # fmt: skip
        assert (tmp_path / "home" / "gongwen.db").is_file() and (tmp_path / "home" / "prefect").is_dir()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode is not None


BROKEN_INSTALL = """
import sys
from pathlib import Path

import services.seed.texts as texts

texts.DOCUMENTS_DIR = Path(sys.argv.pop(1))  # the package's example documents, missing as in a broken install
from services.cli import main

main()
"""


def test_up_says_when_the_example_data_cannot_load_and_exits_non_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGWEN_"))}
    env["GONGWEN_HOME"] = str(tmp_path / "home")
    missing = tmp_path / "no-documents"
    missing.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", BROKEN_INSTALL, str(missing), "up", "--example-data"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    said = (done.stdout + done.stderr).decode()
    assert done.returncode == 1, said
    assert "example data cannot be loaded" in said and "joint-notice.txt" in said
    assert "Traceback" not in said and "gongwen is up" not in said
    assert not (tmp_path / "home" / "gongwen.db").exists()  # refused before anything started
