"""Benchmark: archive N 件 of about three files and ~200 KB each, to the filesystem store (default) or to an
S3 server (--s3: a moto server started here, or GONGWEN_TEST_S3_URL), and print 件/s, the run's CPU ms a 件, MB/s
and the share of time per stage as JSON on the last line.

    .venv/bin/python bench/archive.py [--items 500] [--s3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.config import Settings
from services.processes import STARTUP_SECONDS, Supervisor, free_port, prefect_env, wait_for_http


def _pdf(pages: int) -> bytes:
    from weasyprint import HTML

    from services.rendering.fonts import find_fonts_dir, font_face_css

    body = "".join(
        f"<p>第{i}段：开展民族团结进步活动，铸牢中华民族共同体意识。" * 6 + "</p>" for i in range(pages * 12)
    )
    css = font_face_css(find_fonts_dir()) + "body { font-family: GWFang; font-size: 16pt }"
    return bytes(HTML(string=f"<html><style>{css}</style><body>{body}</body></html>").write_pdf())


def make_items(n: int, year: int) -> None:
    from sqlalchemy import select

    from services.domain.models import Attachment, Document, DocumentIssuer, DocumentVersion, Organ
    from services.runtime import Runtime
    from services.seed.example import load_organs_and_users

    runtime = Runtime(Settings())
    rng = random.Random(5)
    pdf = _pdf(3)
    photo = b"\x89PNG\r\n\x1a\n" + rng.randbytes(60_000)
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    with runtime.context() as ctx:
        lead = ctx.session.scalar(select(Organ).where(Organ.code == "zlt-mw"))
        assert lead is not None
        for k in range(n):
            text = ("开展民族团结进步活动月工作，各单位认真组织实施。" * 800)[: 20_000 + rng.randrange(20_000)]
            doc = Document(
                doc_type="通知",
                title=f"关于第{k}项工作的通知",
                lead_organ_id=lead.id,
                issue_form="字",
                status="distributed",
                current_version=1,
                signing_round=1,
                written_on=dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)),
                doc_number=f"扎民委字〔{year}〕{k + 1}号",
                attachment_notes=["活动照片"],
            )
            doc.issuers = [DocumentIssuer(organ_id=lead.id, position=0)]
            ctx.session.add(doc)
            ctx.session.flush()
            keys = {
                "body": f"documents/{doc.id}/v1/body.txt",
                "pdf": f"documents/{doc.id}/issued/{doc.id}.pdf",
                "photo": f"documents/{doc.id}/v1/att-1-photo.png",
            }
            ctx.store.put(keys["body"], text.encode(), "text/plain")
            ctx.store.put(keys["pdf"], pdf, "application/pdf")
            ctx.store.put(keys["photo"], photo, "image/png")
            doc.rendered_pdf_key = keys["pdf"]
            version = DocumentVersion(
                document_id=doc.id,
                number=1,
                body_key=keys["body"],
                body_sha256="-",
                body_size=len(text.encode()),
                fields={},
            )
            version.attachments.append(
                Attachment(
                    position=0,
                    title="活动照片",
                    filename="photo.png",
                    content_type="image/png",
                    key=keys["photo"],
                    size=len(photo),
                    sha256="-",
                )
            )
            ctx.session.add(version)
    runtime.close()


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended: the fork server of the run's packaging
    processes is stopped first, so that it and the workers it reaped are counted."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--s3", action="store_true", help="archive into an S3 server instead of the filesystem")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gongwen-archive-bench-"))
    settings = Settings(home=home, prefect={"port": free_port()})  # type: ignore[arg-type]
    os.environ.update(prefect_env(settings))  # before Prefect is first imported below
    os.environ["GONGWEN_PREFECT__PORT"] = str(settings.prefect.port)  # the run's settings name the bench's server
    exe = Path(sys.executable).parent
    supervisor = Supervisor(settings)
    try:
        if args.s3:
            url = os.environ.get("GONGWEN_TEST_S3_URL")
            if not url:
                port = free_port()
                supervisor.start("moto", [str(exe / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], to_log=True)
                wait_for_http(f"http://127.0.0.1:{port}/", STARTUP_SECONDS)
                url = f"s3://127.0.0.1:{port}/?access_key=testing&secret_key=testing&secure=false"
            os.environ["GONGWEN_STORAGE_URL"] = url
        supervisor.start_prefect_server()
        year = dt.date.today().year - 1
        make_items(args.items, year)
        from flows.archive import annual_archive
        from flows.runtime import set_runtime
        from flows.worker import quiet_prefect
        from services.runtime import Runtime

        runtime = Runtime(Settings())
        set_runtime(runtime)
        started, cpu_started, own_started = time.perf_counter(), _cpu(), time.process_time()
        with quiet_prefect():
            result = annual_archive(year)
        seconds, own = time.perf_counter() - started, time.process_time() - own_started
        cpu = _cpu() - cpu_started
    finally:
        supervisor.stop_all()
    stages = result["stage_seconds"]
    total_stage = sum(stages.values()) or 1.0
    mb = result["counts"]["bytes"] / 2**20
    print(
        json.dumps(
            {
                "items": result["counts"]["件"],
                "files": result["counts"]["files"],
                "mb": round(mb, 1),
                "seconds": round(seconds, 1),
                "items_per_second": round(result["counts"]["件"] / seconds, 1),
                "cpu_ms_per_item": round(cpu * 1000 / max(1, result["counts"]["件"]), 1),  # with its workers
                "run_process_cpu_ms_per_item": round(own * 1000 / max(1, result["counts"]["件"]), 1),
                "mb_per_second": round(mb / seconds, 1),
                "kb_per_item": round(mb * 1024 / max(1, result["counts"]["件"])),
                "stage_share": {k: round(v / total_stage, 3) for k, v in stages.items()},
                "store": "s3" if args.s3 else "filesystem",
                "cores": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
