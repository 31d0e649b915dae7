"""Files to import, put in the object store before their request's transaction opens: writing 100 MB holds no
database lock. The API and the pages queue the job on what is staged here."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile

from services.http.deps import open_scope
from services.http.request import runtime_of
from services.http.scope import Caller
from services.imports.service import JobFile, discard_uploads, require_importer, store_uploads
from services.limits import FILE_LIMITS, Upload, check_size


@dataclass(frozen=True)
class Staged:
    files: list[JobFile]
    started: float  # when the request's work began (perf_counter), for its Server-Timing

    def timing(self) -> str:
        return f"handler;dur={(time.perf_counter() - self.started) * 1000:.1f}"


def read_capped(upload: UploadFile) -> bytes:
    """An uploaded file's bytes (spooled to disk by the server as they came), refused past the import limit."""
    data = upload.file.read(FILE_LIMITS[Upload.import_file].max_bytes + 1)
    check_size(Upload.import_file, len(data))
    return data


@contextmanager
def staged(request: Request, caller: Caller, uploads: Sequence[UploadFile]) -> Iterator[Staged]:
    """The uploads stored once the caller is known to import (checked before any upload is read); removed again
    when the request fails after."""
    started = time.perf_counter()
    with open_scope(request, caller, write=False) as opened:
        require_importer(opened.user)
    store = runtime_of(request).store
    files = store_uploads(store, [(upload.filename or "", read_capped(upload)) for upload in uploads])
    try:
        yield Staged(files, started)
    except BaseException:
        discard_uploads(store, files)
        raise
