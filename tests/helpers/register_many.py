"""Run as a process: register (登记) the given documents, each in its own transaction, as a worker would."""

from __future__ import annotations

import sys
from pathlib import Path

from services.config import Settings
from services.runtime import Runtime
from services.workflow.service import WorkflowService


def main() -> None:
    database_url, home, ids = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split(",")]
    runtime = Runtime(Settings(home=Path(home), database_url=database_url, environment="test"), migrated=True)
    for document_id in ids:
        with runtime.context() as ctx:
            WorkflowService(ctx).register(document_id)
    runtime.close()


if __name__ == "__main__":
    main()
