"""The floor for bench/load.py: a minimal FastAPI app served the same way as ours (uvicorn, the same workers), so
its CPU per request is what the HTTP stack alone costs on this machine in the same minute."""

from __future__ import annotations

from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/floor")
async def floor(authorization: str | None = Header(None)) -> dict[str, object]:
    return {"ok": authorization is not None, "items": [1, 2, 3]}
