"""Archivists start the run through the API (the worker runs it as a Prefect flow) and browse what it filed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from services.runtime import Runtime
from tests.helpers.archive_data import make_year

Login = Callable[[str], dict[str, str]]


def test_run_browse_catalogue_and_fixity_through_the_api(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    make_year(runtime, 2025, 12)  # 15 documents, 4 of them 市民委's (全宗 Z001)
    archivist = login("archivist")  # 市民委's archivist: its fonds only
    assert client.post("/api/v1/archive/runs", json={"year": 2025}, headers=login("mw.drafter")).status_code == 403
    run = client.post("/api/v1/archive/runs", json={"year": 2025}, headers=archivist).json()
    assert run["fonds"] == "Z001"
    drain()
    done = client.get(f"/api/v1/archive/runs/{run['id']}", headers=archivist).json()
    assert done["status"] == "done" and done["report"]["stored"] == 4 and done["counts"]["件"] == 4
    assert done["report"]["retention_schedule"]["version"] == 0  # the configured table, named in the report
    items = client.get("/api/v1/archive/items", params={"year": 2025, "retention": "D30"}, headers=archivist).json()
    assert len(items) == 4 and all(i["retention"] == "D30" and i["fonds"] == "Z001" for i in items)
    by_organ = client.get("/api/v1/archive/items", params={"year": 2025, "organ": "ZLTMW"}, headers=archivist).json()
    assert by_organ and all(i["organ"] == "ZLTMW" for i in by_organ)
    package = client.get(f"/api/v1/archive/items/{items[0]['档号']}", headers=archivist).json()
    assert package["manifest"]["file_count"] == len(package["manifest"]["files"])
    assert package["metadata"]["档号"] == items[0]["档号"] and package["metadata"]["全宗号"] == "Z001"
    pdf = client.get(f"/api/v1/archive/items/{items[0]['档号']}/files/01-正本.pdf", headers=archivist)
    assert pdf.content.startswith(b"%PDF")
    catalogue = client.get("/api/v1/archive/catalogue/2025.csv", headers=archivist)
    assert catalogue.text.lstrip("\ufeff").splitlines()[0] == "序号,档号,文号,责任者,题名,日期,密级,页数,备注"
    assert len(catalogue.text.strip().splitlines()) == 5  # a header and four 件
    assert client.get("/api/v1/archive/catalogue/2025.xlsx", headers=archivist).content[:2] == b"PK"
    admin = login("admin")  # the admin runs every fonds: the other organs' 11 documents, each in its own fonds
    everything = client.post("/api/v1/archive/runs", json={"year": 2025}, headers=admin).json()
    assert everything["fonds"] is None
    drain()
    assert client.get(f"/api/v1/archive/runs/{everything['id']}", headers=admin).json()["report"]["stored"] == 11
    assert client.get(f"/api/v1/archive/runs/{everything['id']}", headers=archivist).status_code == 404
    z002 = client.get("/api/v1/archive/catalogue/2025.csv", params={"fonds": "Z002"}, headers=admin)
    assert all(row.split(",")[1].startswith("Z002-") for row in z002.text.strip().splitlines()[1:])
    assert client.get("/api/v1/archive/catalogue/2025.csv", headers=admin).json()["error"]["code"] == "fonds_required"
    client.post("/api/v1/archive/fixity", headers=archivist)
    drain()
    fixity = client.get("/api/v1/archive/fixity", headers=archivist).json()
    assert fixity["items_checked"] == 15 and fixity["failures"] == []
    bad_year = client.post("/api/v1/archive/runs", json={"year": 3000}, headers=archivist)
    assert bad_year.status_code == 422 and bad_year.json()["error"]["code"] == "archive_year_invalid"
