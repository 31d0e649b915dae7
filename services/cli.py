"""The `gongwen` command."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from services.config import Settings
from services.errors import DomainError
from services.runtime import Runtime

if TYPE_CHECKING:
    from services.audit.chain import Verdict

app = typer.Typer(
    help="gongwen: 公文 drafting, joint sign-off, issuing, distribution and archiving", no_args_is_help=True
)
console = Console()


def _settings() -> Settings:
    return Settings()


@app.command()
def up(
    example_data: Annotated[
        bool | None,
        typer.Option(
            "--example-data/--no-example-data",
            help="Load the seed organs, users and documents on first start (demo accounts with a known password)",
        ),
    ] = None,
) -> None:
    """Start everything on the embedded defaults: Prefect server, worker, schedules and the API/web pages."""
    from services.processes import STARTUP_SECONDS, Supervisor, gongwen_command, wait_for_http

    settings = _settings()
    examples = _examples_wanted(settings, example_data)
    base = f"http://{settings.api.host}:{settings.api.port}"
    _refuse_if_running(settings.api.host, settings.api.port)
    runtime = Runtime(settings)
    runtime.db  # noqa: B018 - migrate before any child starts
    supervisor = Supervisor(settings, say=lambda line: console.print(f"[yellow]{line}[/]"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if not settings.prefect.api_url:
            console.print(f"[bold]Prefect server[/] starting on {settings.prefect_api_url} …")
            supervisor.start_prefect_server()
        for n in range(1, settings.workflow.workers + 1):
            supervisor.start(f"worker-{n}", gongwen_command("worker"), to_log=True)
        supervisor.start("scheduler", gongwen_command("scheduler"), to_log=True)
        supervisor.start("api", gongwen_command("api", "--no-setup-notice"))
        wait_for_http(base + "/api/v1/health", STARTUP_SECONDS, process=supervisor.process("api"))
        if _health(base).get("instance") != supervisor.instance:  # another server took the port meanwhile
            _fail(_instance_running(base))
        if examples:
            _load_examples(runtime)
        console.print(f"[bold green]gongwen is up[/]: {base}  (API docs {base}/api/v1/docs)")
        _announce_setup(runtime, base)
        console.print(f"Prefect UI: {settings.prefect_api_url.removesuffix('/api')}   home: {settings.home_dir}")
        supervisor.supervise(stop)  # restarts whatever exits; returns on SIGTERM / Ctrl-C
        console.print("stopping …")
    finally:
        supervisor.stop_all()
        runtime.close()


def _examples_wanted(settings: Settings, asked: bool | None) -> bool:
    """Whether `up` loads the example data: never in production (the demo accounts' password is public), and only
    when the example documents can be read."""
    examples = settings.example_data if asked is None else asked
    if examples and settings.is_production:
        _fail(
            DomainError(
                "example_data_in_production",
                "生产环境不能加载示例数据（示例账户的密码是公开的）",
                "example data (demo accounts with a known password) is never loaded in production",
            )
        )
    if examples:
        _check_example_documents()
    return examples


def _check_example_documents() -> None:
    """Read the example documents before anything starts: a broken install says so and exits 1."""
    from services.seed.texts import joint_notice, summaries

    try:
        joint_notice()
        summaries()
    except (OSError, ValueError) as exc:
        console.print(f"[bold red]example data cannot be loaded[/]: {exc}")
        raise typer.Exit(1) from exc


def _load_examples(runtime: Runtime) -> None:
    from services import compose
    from services.seed.example import DEMO_PASSWORD, load_examples

    def wait_for_worker() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with runtime.context() as ctx:
                if compose.jobs(ctx).pending_count() == 0:
                    return
            time.sleep(0.3)
        raise TimeoutError("the worker did not finish the example steps")

    try:
        ids = load_examples(runtime, wait_for_worker)
    except Exception as exc:  # whatever stopped it, the operator asked for example data and did not get it
        console.print(f"[bold red]example data could not be loaded[/]: {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from exc
    if ids:
        console.print(f"example data loaded: documents {ids}; users such as mw.drafter / {DEMO_PASSWORD}")
    else:
        console.print("example data: this home already holds organs and users, nothing loaded again")


def _health(base: str, timeout: float = 10) -> dict[str, Any]:
    """The health answer of whatever serves on that address, or {} when nothing does."""
    import httpx

    try:
        answer = httpx.get(base + "/api/v1/health", timeout=timeout)
        found: dict[str, Any] = answer.json() if answer.status_code == 200 else {}
        return found
    except (httpx.HTTPError, ValueError):
        return {}


def _instance_running(base: str) -> DomainError:
    pid = _health(base).get("pid", "?")
    return DomainError(
        "instance_running",
        f"{base} 上已有 gongwen 在运行（进程 {pid}）：先停止它（kill {pid}），或换用 GONGWEN_API__PORT",
        f"gongwen already serves {base} (process {pid}): stop it first (kill {pid}) or set GONGWEN_API__PORT",
    )


def _refuse_if_running(host: str, port: int) -> None:
    """Refuse to start over a port something listens on: a gongwen left running (named with its process id),
    or another program."""
    import socket

    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return  # nothing listens: the port is ours
    base = f"http://{host}:{port}"
    if _health(base):
        _fail(_instance_running(base))
    _fail(
        DomainError(
            "port_in_use",
            f"端口 {port} 已被其他程序占用：换用 GONGWEN_API__PORT",
            f"port {port} is used by another program: set GONGWEN_API__PORT",
        )
    )


def _announce_setup(runtime: Runtime, base: str) -> None:
    """While no active administrator exists, print where the first one is made (and with which token)."""
    from services import compose
    from services.accounts import setup

    with runtime.context(write=False) as ctx:
        has_admin = compose.people(ctx).has_active_admin()
    if has_admin:
        setup.forget_token(runtime.settings)
        return
    token = setup.issue_token(runtime.settings)
    console.print(
        f"[bold yellow]首次设置 / first setup[/]: no administrator yet. Open {base}/setup?token={token} "
        "or run `gongwen admin create USERNAME --person-name … --organ …`"
    )


@app.command()
def api(
    setup_notice: Annotated[
        bool, typer.Option("--setup-notice/--no-setup-notice", hidden=True, help="print the first-setup line")
    ] = True,
) -> None:
    """Serve the API and web pages (GONGWEN_API__WORKERS processes on one port)."""
    import uvicorn

    settings = _settings()
    runtime = Runtime(settings)
    runtime.db  # noqa: B018 - migrate once, before the server processes start
    if setup_notice:
        _announce_setup(runtime, f"http://{settings.api.host}:{settings.api.port}")
    runtime.close()
    uvicorn.run(
        "services.app:app_from_environment",
        factory=True,
        host=settings.api.host,
        port=settings.api.port,
        workers=settings.api.workers,
        timeout_keep_alive=settings.api.keep_alive_seconds,
        timeout_worker_healthcheck=settings.api.worker_healthcheck_seconds,
        log_level="warning",
    )


@app.command()
def worker() -> None:
    """Run due process steps as Prefect flow runs until stopped (waiting while the instance's Prefect is down)."""
    from flows.server import instance_prefect
    from flows.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runtime = Runtime(_settings())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with instance_prefect(runtime.settings, start=False):
        Worker(runtime).serve(stop)
    runtime.close()


@app.command()
def scheduler() -> None:
    """Serve the scheduled Prefect deployments (催办)."""
    from flows.scheduler import serve_schedules

    serve_schedules(_settings())


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    from services.db import migrate as run

    settings = _settings()
    run(settings.effective_database_url)
    console.print(f"database at the newest schema: {settings.effective_database_url}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='words, "phrases", OR, -word, 文号:…, 机关:…, 文种:…, 年份:…')],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object {total, hits}")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    doc_number: Annotated[str | None, typer.Option(help="发文字号, any bracket form")] = None,
    issuer: Annotated[str | None, typer.Option(help="发文机关 full name")] = None,
    doc_type: Annotated[str | None, typer.Option(help="文种")] = None,
    year: Annotated[int | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option()] = None,
    retention: Annotated[str | None, typer.Option(help="保管期限 Y / D30 / D10")] = None,
    sort: Annotated[str, typer.Option(help="relevance or date")] = "relevance",
) -> None:
    """Search every document in full Chinese text (as an operator: no organ limit)."""
    import json

    from search import Filters, SearchQuery
    from search.analysis import canonical_doc_number
    from services.api.routes.search import result_json
    from services.indexing.service import search_refusals

    runtime = Runtime(_settings())
    number = canonical_doc_number(doc_number) or doc_number if doc_number else None
    filters = Filters(
        doc_number=number, issuer=issuer, doc_type=doc_type, year=year, status=status, retention=retention
    )
    try:
        with search_refusals():
            result = runtime.search_index.search(SearchQuery(query, filters, sort=sort, limit=limit))
    except DomainError as exc:
        _fail(exc)
    data = result_json(result)
    if as_json:
        data.pop("facets")
        for hit in data["hits"]:
            for key in ("doc_type", "status"):
                hit.pop(key)
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    console.print(f"{'' if result.total_exact else '约 '}{result.total} 件")
    if result.suggestion:
        console.print(f"您要找的是不是：{result.suggestion}")
    for notice in result.notices:
        console.print(notice.zh)
    marks = {"abbreviation": "  （简称或全称）", "near": "  （词语相近）"}
    for hit in result.hits:
        when = hit.date or (f"{hit.year}年" if hit.year else "日期不详")
        line = f"[bold]{hit.title}[/]  {hit.doc_number or ''}  {'、'.join(hit.issuers)}  {when}"
        console.print(line + marks.get(hit.match, ""))
        console.print("   " + hit.highlight.replace("<em>", "[reverse]").replace("</em>", "[/reverse]"))


@app.command()
def reindex() -> None:
    """Rebuild the search index from the database and object storage (a Prefect flow), then swap it in."""
    from rich.progress import Progress

    from flows.naming import reindex_label, run_labelled
    from flows.runtime import set_runtime
    from flows.search import reindex as reindex_flow
    from flows.server import instance_prefect
    from services import compose

    runtime = Runtime(_settings())
    set_runtime(runtime)
    with runtime.context() as ctx:
        total = compose.indexing(ctx).searchable_count()
    with instance_prefect(runtime.settings), Progress(console=console) as progress:
        bar = progress.add_task("重建索引 reindexing", total=total)
        count = run_labelled(reindex_flow, reindex_label(total), lambda n: progress.advance(bar, n))
    console.print(f"indexed {count} documents")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="files or folders")],
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="the user it is recorded for (default: the system, into the archive's records)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the per-file report as JSON")] = False,
) -> None:
    """Import past documents (txt in UTF-8/UTF-16/GB18030, docx, pdf with text, html) as a Prefect flow."""
    import json

    from rich.progress import Progress

    from flows.imports import collect, import_files
    from flows.naming import import_label, run_labelled
    from flows.runtime import set_runtime
    from flows.server import instance_prefect
    from services.domain.enums import ImportStage

    runtime = Runtime(_settings())
    set_runtime(runtime)
    actor_id = _importing_user(runtime, as_user)
    roots = [str(p.resolve()) for p in paths]
    with instance_prefect(runtime.settings), Progress(console=console, disable=as_json) as progress:
        bar = progress.add_task("导入 importing", total=None)

        def advance(stage: ImportStage, done: int, total: int, name: str) -> None:
            progress.update(bar, total=total, completed=done, description=f"{stage.value} {name}".strip())

        label = import_label(len(collect([Path(r) for r in roots])), roots)
        outcomes = run_labelled(import_files, label, actor_id, roots, advance)
    if as_json:
        typer.echo(json.dumps(outcomes, ensure_ascii=False))
    else:
        _print_import_report(outcomes)


def _importing_user(runtime: Runtime, as_user: str | None) -> int:
    """The user an import is recorded for: the named active one, or the system account into the archive."""
    from services import compose
    from services.domain.models import User
    from services.errors import NotFound

    with runtime.context() as ctx:
        if as_user is None:
            actor: User | None = compose.users(ctx).system_user()
        else:
            actor = compose.users(ctx).active_named(as_user)
        if actor is None:
            _fail(
                NotFound(
                    "user_not_found",
                    f"用户不存在：{as_user}（不加 --as 则以系统身份导入）",
                    f"no such user: {as_user} (leave out --as to import as the system)",
                )
            )
        return actor.id


def _print_import_report(outcomes: list[dict[str, Any]]) -> None:
    counts = {s: sum(1 for o in outcomes if o["status"] == s) for s in ("imported", "duplicate", "failed")}
    for o in outcomes:
        if o["status"] != "imported":
            reason = f"{o['code']}: {o['message_zh']}" if o["status"] == "failed" else "已导入过 / already imported"
            console.print(f"{o['status']:9} {o['filename']}  {reason}")
    console.print(f"imported {counts['imported']}, duplicates {counts['duplicate']}, failed {counts['failed']}")


archive_app = typer.Typer(help="年度归档: the annual archival run and its catalogue", no_args_is_help=True)
app.add_typer(archive_app, name="archive")


@archive_app.command("run")
def archive_run(
    year: Annotated[int, typer.Option(help="the year whose finished documents are filed")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="select, group and check only; store nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the run report as JSON")] = False,
    fonds: Annotated[str | None, typer.Option(help="the 全宗号 of one fonds (default: every fonds)")] = None,
) -> None:
    """Run the archival of one year as a Prefect flow, with a progress bar; safe to run again after a kill."""
    import json

    from rich.progress import Progress

    from flows.archive import annual_archive, archive_run_label
    from flows.naming import run_labelled
    from flows.runtime import set_runtime
    from flows.server import instance_prefect

    runtime = Runtime(_settings())
    set_runtime(runtime)
    with instance_prefect(runtime.settings), Progress(console=console, disable=as_json) as progress:
        bar = progress.add_task(f"{year} 年度归档", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(bar, total=total, advance=done)

        label = archive_run_label(year, dry_run, fonds)
        result = run_labelled(annual_archive, label, year, dry_run, None, advance, fonds)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    report = result["report"]
    console.print(
        f"{year}: selected {report.get('selected', 0)}, numbered {report.get('numbered', 0)}, "
        f"stored {report.get('stored', 0)}, failed {len(report.get('failed', []))}, "
        f"catalogue rows {report.get('catalogue_rows', 0)}, held back {len(report.get('held_back', []))}"
    )
    if report.get("explanation"):
        console.print(report["explanation"])
    for held in report.get("held_back", []):
        console.print(f"暂缓 #{held['document_id']} {held['title']}：{'；'.join(held['reasons'])}")
    console.print(f"stage seconds: {result['stage_seconds']}")


@app.command()
def fixity(
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Re-read every archived object and verify its digest (a Prefect flow)."""
    import json

    from flows.archive import fixity_audit
    from flows.runtime import set_runtime
    from flows.server import instance_prefect

    runtime = Runtime(_settings())
    set_runtime(runtime)
    with instance_prefect(runtime.settings):
        result = fixity_audit()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        console.print(f"checked {result['items_checked']} 件; {len(result['failures'])} failed")
        for failure in result["failures"]:
            console.print(f"[red]{failure['档号']}[/]: {'；'.join(failure['problems'])}")
    if result["failures"]:
        raise SystemExit(1)  # a mismatch is an alarm: schedulers and monitors read the exit status


@app.command()
def remind() -> None:
    """Run the 催办 flow now."""
    from flows.reminders import reminders
    from flows.runtime import set_runtime
    from flows.server import instance_prefect

    runtime = Runtime(_settings())
    set_runtime(runtime)
    with instance_prefect(runtime.settings):
        result = reminders()
    console.print(result)


jobs_app = typer.Typer(
    help="自动环节: the automated steps (checks, issuing, archival) and the workers running them",
    invoke_without_command=True,
)
app.add_typer(jobs_app, name="jobs")


@jobs_app.callback()
def jobs_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
) -> None:
    """What failed, what runs now, what waits, and which workers were seen when."""
    import json

    from services import compose

    if ctx.invoked_subcommand is not None:
        return
    runtime = Runtime(_settings())
    zone = ZoneInfo(runtime.settings.timezone)
    with runtime.context(write=False) as unit:
        service = compose.jobs(unit)
        listing, beats, now = service.listing(), service.beats(), unit.now()
        report: dict[str, Any] = {
            "failed": [_job_json(j, zone) for j in listing["failed"]],
            "running": [_job_json(j, zone) for j in listing["running"]],
            "pending": len(listing["pending"]),
            "workers": [
                {
                    "name": b.name,
                    "seen_seconds_ago": round((now - b.seen_at).total_seconds(), 1),
                    "prefect_ok": b.prefect_ok,
                    "note": b.note,
                }
                for b in beats
            ],
        }
    runtime.close()
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, default=str))
        return
    console.print(f"failed {len(report['failed'])}, running {len(report['running'])}, waiting {report['pending']}")
    for job in report["failed"]:
        console.print(f"[red]failed[/] #{job['id']} {job['step']} doc {job['document_id']}: {job['error']}")
    for job in report["running"]:
        console.print(f"running #{job['id']} {job['step']} doc {job['document_id']} on {job['worker']}")
    for beat in report["workers"]:
        state = "Prefect ok" if beat["prefect_ok"] else f"Prefect NOT answering ({beat['note']})"
        console.print(f"worker {beat['name']}: seen {beat['seen_seconds_ago']}s ago, {state}")


def _job_json(job: Any, zone: ZoneInfo) -> dict[str, Any]:
    last = (job.last_error or "").strip().splitlines()
    return {
        "id": job.id,
        "step": job.step,
        "document_id": job.document_id,
        "attempts": job.attempts,
        "failure_kind": job.failure_kind,
        "error": last[-1] if last else None,
        "worker": job.worker,
        "started_at": job.started_at.astimezone(zone).isoformat(timespec="seconds") if job.started_at else None,
        "flow_run_id": job.flow_run_id,
    }


@jobs_app.command("retry")
def jobs_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="the failed steps to run again")] = None,
    all_failed: Annotated[bool, typer.Option("--failed", help="every failed step")] = False,
) -> None:
    """Run failed steps again now (after fixing what made them fail)."""
    from services import compose

    if not ids and not all_failed:
        raise DomainError(
            "jobs_none_named", "请给出要重试的环节编号，或使用 --failed", "name the steps, or use --failed"
        )
    runtime = Runtime(_settings())
    with runtime.context() as unit:
        again = compose.jobs(unit).retry(None if all_failed else list(ids or []))
    runtime.close()
    console.print(f"put back to run: {again}")


audit_app = typer.Typer(help="审计: the tamper-evident audit trail", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json", help="print the verdict as JSON")] = False,
) -> None:
    """Walk the audit chain against every anchor in the archive store: whole, or every event edited, deleted,
    inserted or rewritten (digests recomputed) before the last anchor."""
    import json

    from services import compose

    runtime = Runtime(_settings())
    with runtime.context(write=False) as ctx:
        verdict = compose.anchors(ctx).verify()
    last = verdict.last_anchor
    if as_json:
        broken = verdict.broken.as_dict() if verdict.broken else None
        breaks = [b.as_dict() for b in verdict.breaks]
        anchored = {"event_id": last.event_id, "day": last.day.isoformat(), "at": last.at.isoformat()} if last else None
        typer.echo(
            json.dumps(
                {
                    "whole": verdict.whole,
                    "checked": verdict.checked,
                    "anchors": len(verdict.anchors),
                    "last_anchor": anchored,
                    "broken": broken,
                    "breaks": breaks,
                },
                ensure_ascii=False,
            )
        )
    else:
        _print_verdict(verdict)
    runtime.close()
    if not verdict.whole:
        raise SystemExit(1)


def _print_verdict(verdict: Verdict) -> None:
    last = verdict.last_anchor
    if last is None:
        console.print("尚无锚点 / no anchor yet: a consistent rewrite of the whole chain would not be seen")
    else:
        console.print(
            f"对照 {len(verdict.anchors)} 个锚点，最近一个为 {last.day} 的事件 {last.event_id} / "
            f"checked against {len(verdict.anchors)} anchors, the last of {last.day} at event {last.event_id}"
        )
    if verdict.whole:
        console.print(f"审计链完整 / audit chain whole: {verdict.checked} events, head {verdict.head_id}")
        return
    console.print(f"审计链有 {len(verdict.breaks)} 处不符 / {len(verdict.breaks)} breaks in the audit chain:")
    for b in verdict.breaks:
        console.print(f"[red]{b.code}[/] 事件 {b.event_id}: {b.zh} / {b.en}")


@audit_app.command("anchor")
def audit_anchor() -> None:
    """Anchor the audit chain's head in the archive store now (the daily flow; once a day)."""
    import json

    from flows.audit import audit_anchor as anchor_flow
    from flows.runtime import set_runtime
    from flows.server import instance_prefect

    runtime = Runtime(_settings())
    set_runtime(runtime)
    with instance_prefect(runtime.settings):
        result = anchor_flow()
    typer.echo(json.dumps(result, ensure_ascii=False))


admin_app = typer.Typer(help="管理员: the first administrator of a new install", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


@admin_app.command("create")
def admin_create(
    username: Annotated[str, typer.Argument(help="the administrator's login name")],
    person_name: Annotated[str, typer.Option("--person-name", help="姓名")],
    organ: Annotated[str, typer.Option("--organ", help="机关 full name (created when no organ bears it)")],
    organ_short_name: Annotated[
        str | None, typer.Option("--organ-short-name", help="简称 of a new organ (default: the full name)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input, not a prompt")
    ] = False,
) -> None:
    """Create an administrator (the first one of a new install, or another when none can log in)."""
    import sys

    from services import compose
    from services.accounts import setup

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    runtime = Runtime(_settings())
    try:
        with runtime.context() as ctx:
            user = compose.people(ctx).create_admin(username, person_name, organ, password, organ_short_name)
            organ_name = user.organ.name
    except DomainError as exc:
        _fail(exc)
    finally:
        runtime.close()
    setup.forget_token(runtime.settings)
    console.print(f"administrator created: {username} ({person_name}, {organ_name})")


seal_app = typer.Typer(help="电子印章: the organs' electronic seals (docs/seal.md)", no_args_is_help=True)
app.add_typer(seal_app, name="seal")


@seal_app.command("verify")
def seal_verify(
    file: Annotated[Path, typer.Argument(help="an issued 正本: OFD, or PDF (its .ses beside it or given)")],
    ses: Annotated[Path | None, typer.Option("--ses", help="the PDF's signature file (default: FILE.ses)")] = None,
) -> None:
    """Check every electronic seal of an issued file: which organ sealed it, when, the seal's version, and whether
    any byte it covers changed since. Exit code 1 when a seal is broken or there is none."""
    from services import compose

    signatures = ses or Path(f"{file}.ses")
    runtime = Runtime(_settings())
    try:
        data = file.read_bytes()
        extra = signatures.read_bytes() if signatures.is_file() else None
        with runtime.context(write=False) as ctx:
            found = compose.seals(ctx).verify(data, extra)
    except DomainError as exc:
        _fail(exc)
    except OSError as exc:
        console.print(f"[red]无法读取文件[/]：{exc}")
        raise typer.Exit(2) from exc
    finally:
        runtime.close()
    for check in found.checks:
        when = check.signed_at.astimezone(ZoneInfo(runtime.settings.timezone)) if check.signed_at else None
        head = f"{check.organ}（电子印章第 {check.version} 版，{check.es_id}），加盖于 {when:%Y-%m-%d %H:%M:%S}"
        console.print(f"[green]有效[/] {head}" if check.ok else f"[red]失效[/] {head}：{'；'.join(check.problems)}")
    if not found.checks:
        console.print(f"[red]{found.kind} 文件中没有电子印章[/]")
    if not found.ok:
        raise typer.Exit(1)
    console.print(f"{found.kind} 文件的 {len(found.checks)} 枚电子印章均验证通过 / every seal verifies")


@seal_app.command("make")
def seal_make(
    organ: Annotated[str, typer.Argument(help="the organ's code or full name")],
    admin: Annotated[str, typer.Option("--admin", help="the administrator's login name (recorded as its maker)")],
    image: Annotated[
        Path | None, typer.Option("--image", help="a PNG of the seal (drawn from the name if none)")
    ] = None,
) -> None:
    """Make a new version of an organ's seal (a new SM2 key pair; the version before is retired and still verifies
    what it sealed). The private key goes to the key store (GONGWEN_SEAL_KEYS_DIR), never to the database."""
    from services import compose

    runtime = Runtime(_settings())
    try:
        picture = image.read_bytes() if image else None
        with runtime.context() as ctx:
            seal = compose.seals(ctx).make_named(admin, organ, picture)
            made = f"{seal.name}：电子印章第 {seal.version} 版（{seal.es_id}），公钥 {seal.public_key[:16]}…"
    except DomainError as exc:
        _fail(exc)
    finally:
        runtime.close()
    console.print(made)


secret_app = typer.Typer(help="密钥: secrets for the settings", no_args_is_help=True)
app.add_typer(secret_app, name="secret")


@secret_app.command("new")
def secret_new() -> None:
    """Print a random value for GONGWEN_SECRET_KEY (64 URL-safe characters, 384 bits)."""
    import secrets

    typer.echo(secrets.token_urlsafe(48))


def _fail(exc: DomainError) -> NoReturn:
    """Print a domain error in one line and exit non-zero (as `main` does for any command)."""
    console.print(f"[red]{exc.code}[/]: {exc.zh} / {exc.en}")
    raise typer.Exit(2)


def _instance_environment() -> None:
    """Before Prefect is imported: its state under the home, its API the instance's server (never a temporary
    one), and local times — Prefect's log lines, the worker's — in the instance's zone."""
    import time as clock

    from pydantic import ValidationError

    from services.processes import prefect_env

    try:
        settings = _settings()
    except ValidationError:  # reported by the command that reads them
        return
    os.environ.update(prefect_env(settings))
    clock.tzset()


def main() -> None:
    os.umask(0o077)  # everything under GONGWEN_HOME (database, objects, index, logs) is the owner's alone
    _instance_environment()
    try:
        app()
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.zh} / {exc.en}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
