"""An uploaded file as the use cases take it, the same for the API and the pages."""

from __future__ import annotations

from starlette.datastructures import UploadFile

from services.documents.schemas import AttachmentUpload


def attachment_of(file: UploadFile, title: str | None = None, unnamed: str = "attachment") -> AttachmentUpload:
    """The file as an attachment titled ``title``, or without one by its name less the extension. Its media type
    is read from its bytes (AttachmentUpload), whatever the sender said."""
    name = file.filename or unnamed
    return AttachmentUpload(
        title=name.rsplit(".", 1)[0] if title is None else title,
        filename=name,
        content_type=file.content_type or "application/octet-stream",
        data=file.file.read(),
    )
