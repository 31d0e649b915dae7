"""Imports over the API as a user makes them: the upload answers 202 with a job, the job runs (here in the test's
process, through the worker's own use case, or by the test's real worker), and its per-file report is read back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from flows.imports import run_import_job
from flows.runtime import set_runtime
from services.runtime import Runtime

Files = list[tuple[str, tuple[str, bytes, str]]]


def submit(client: TestClient, headers: dict[str, str], files: Files) -> dict[str, Any]:
    response = client.post("/api/v1/imports", files=files, headers=headers)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert job["status"] == "queued" and job["files"] == []
    return job


def job_of(client: TestClient, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/imports/jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def import_files(client: TestClient, runtime: Runtime, headers: dict[str, str], files: Files) -> list[dict[str, Any]]:
    """Upload, run the job as the worker would, and return each file's outcome in upload order."""
    job = submit(client, headers, files)
    set_runtime(runtime)
    run_import_job(job["id"])
    done = job_of(client, headers, job["id"])
    assert done["status"] in ("done", "failed") and done["done"] == done["total"] == len(files)
    outcomes: list[dict[str, Any]] = done["files"]
    return outcomes
