"""The `gongwen` command."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Annotated

import typer
from rich.console import Console

from services.config import Settings
from services.errors import DomainError
from services.runtime import Runtime

app = typer.Typer(
    help="gongwen: 公文 drafting, joint sign-off, issuing, distribution and archiving", no_args_is_help=True
)
console = Console()


def _settings() -> Settings:
    return Settings()


@app.command()
def up(
    example_data: Annotated[bool, typer.Option(help="Load the seed organs, users and documents on first start")] = True,
) -> None:
    """Start everything on the embedded defaults: Prefect server, worker, schedules and the API/web pages."""
    from services.processes import Supervisor, gongwen_command, wait_for_http

    settings = _settings()
    runtime = Runtime(settings)
    runtime.db  # noqa: B018 - migrate before any child starts
    supervisor = Supervisor(settings)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        if not settings.prefect.api_url:
            console.print(f"[bold]Prefect server[/] starting on {settings.prefect_api_url} …")
            supervisor.start_prefect_server()
        supervisor.start("worker", gongwen_command("worker"))
        supervisor.start("scheduler", gongwen_command("scheduler"))
        supervisor.start("api", gongwen_command("api"))
        base = f"http://{settings.api.host}:{settings.api.port}"
        wait_for_http(base + "/api/v1/health", timeout=60, process=supervisor.children["api"])
        if example_data and settings.example_data:
            _load_examples(runtime)
        console.print(f"[bold green]gongwen is up[/]: {base}  (API docs {base}/api/v1/docs)")
        console.print(f"Prefect UI: {settings.prefect_api_url.removesuffix('/api')}   home: {settings.home_dir}")
        ended = supervisor.watch()
        console.print(f"[red]{ended} exited; stopping[/]")
    except KeyboardInterrupt:
        console.print("stopping …")
    finally:
        supervisor.stop_all()
        runtime.close()


def _load_examples(runtime: Runtime) -> None:
    from services.jobs.service import JobService
    from services.seed.example import DEMO_PASSWORD, load_examples

    def wait_for_worker() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with runtime.context() as ctx:
                if JobService(ctx).pending_count() == 0:
                    return
            time.sleep(0.3)
        raise TimeoutError("the worker did not finish the example steps")

    ids = load_examples(runtime, wait_for_worker)
    if ids:
        console.print(f"example data loaded: documents {ids}; users such as mw.drafter / {DEMO_PASSWORD}")


@app.command()
def api() -> None:
    """Serve the API and web pages."""
    import uvicorn

    from services.api.app import create_app

    settings = _settings()
    uvicorn.run(create_app(settings), host=settings.api.host, port=settings.api.port, log_level="warning")


@app.command()
def worker() -> None:
    """Run due process steps as Prefect flow runs until stopped."""
    from flows.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runtime = Runtime(_settings())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
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
def remind() -> None:
    """Run the 催办 flow now."""
    from flows.reminders import reminders
    from flows.runtime import set_runtime
    from flows.worker import quiet_prefect

    set_runtime(Runtime(_settings()))
    with quiet_prefect():
        result = reminders()
    console.print(result)


def main() -> None:
    try:
        app()
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.zh} / {exc.en}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
