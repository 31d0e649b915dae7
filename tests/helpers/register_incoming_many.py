"""Run as a process: register paper 收文 by hand, each in its own transaction; every tenth is rolled back after its
收文号 was drawn (a clerk's cancelled registration), which must give the number back."""

from __future__ import annotations

import sys
from pathlib import Path

from services.config import Settings
from services.domain.enums import IncomingNature
from services.incoming.schemas import PaperIn
from services.incoming.service import IncomingService
from services.runtime import Runtime
from services.seed.example import user


class Cancelled(Exception):
    pass


def main() -> None:
    database_url, home, name, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    runtime = Runtime(Settings(home=Path(home), database_url=database_url, environment="test"), migrated=True)
    done = 0
    attempt = 0
    while done < count:
        attempt += 1
        data = PaperIn(source_name="外来单位", title=f"{name}登记的来文{attempt}", nature=IncomingNature.read)
        try:
            with runtime.context() as ctx:
                IncomingService(ctx).register_paper(user(ctx, "zf.registrar"), data, None)
                if attempt % 10 == 0:
                    raise Cancelled
            done += 1
        except Cancelled:
            continue
    runtime.close()


if __name__ == "__main__":
    main()
