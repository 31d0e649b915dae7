"""A stand-in for an Elasticsearch cluster, for tests where none can run: the transport node the official client
talks to is replaced by one that records every request and answers from a small model of indices, aliases,
templates and documents — and fails on cue (a status, an error type, a dropped connection, a document refused).

It does not search: a search answers with the hits, shards and timing it is given. What it checks is what the
adapter sends and how the adapter takes each answer, which is what cannot be tried against a cluster here.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport._node import NodeApiResponse


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]
    timeout: Any

    @property
    def line(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Cue:
    """Fail the next ``times`` requests whose "METHOD /path" contains ``when``."""

    when: str
    status: int | None = None  # None: the connection drops
    error_type: str = "fake_failure"
    times: int = 1


@dataclass
class Index:
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


class FakeCluster:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.indices: dict[str, Index] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.cues: list[Cue] = []
        self.refuse: dict[str, tuple[int, str]] = {}  # document id → (status, error type) of its bulk item
        self.search_answer: dict[str, Any] = {}  # merged into every search response (hits, _shards, timed_out)

    def fail(self, when: str, status: int | None = None, error_type: str = "fake_failure", times: int = 1) -> None:
        self.cues.append(Cue(when, status, error_type, times))

    def lines(self, contains: str = "") -> list[str]:
        return [r.line for r in self.requests if contains in r.line]

    def node_class(self) -> type[BaseNode]:
        cluster = self

        class FakeNode(BaseNode):
            def perform_request(
                self,
                method: str,
                target: str,
                body: bytes | None = None,
                headers: HttpHeaders | None = None,
                request_timeout: Any = None,
            ) -> NodeApiResponse:
                status, answer = cluster.handle(method, target, body, dict(headers or {}), request_timeout)
                meta = ApiResponseMeta(
                    status=status,
                    http_version="1.1",
                    headers=HttpHeaders({"x-elastic-product": "Elasticsearch", "content-type": "application/json"}),
                    duration=0.0,
                    node=self.config,
                )
                data = b"" if method == "HEAD" else json.dumps(answer).encode()
                return NodeApiResponse(meta, data)

        return FakeNode

    # -- the model ---------------------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str], timeout: Any
    ) -> tuple[int, Any]:
        parts = urlsplit(target)
        path = unquote(parts.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append(Request(method, path, params, _decode(body), headers, timeout))
        for cue in self.cues:
            if cue.times > 0 and cue.when in f"{method} {path}":
                cue.times -= 1
                if cue.status is None:
                    raise TransportConnectionError("connection dropped (on cue)")
                return cue.status, _error(cue.error_type, f"{cue.error_type} on cue", cue.status)
        return self._answer(method, path, params, self.requests[-1].body)

    def _answer(self, method: str, path: str, params: dict[str, str], body: Any) -> tuple[int, Any]:
        segments = [s for s in path.split("/") if s]
        head = segments[0] if segments else ""
        if head == "_cat":
            return 200, []
        if head == "_index_template":
            self.templates[segments[1]] = body
            return 200, {"acknowledged": True}
        if head == "_alias":
            return self._alias(method, segments[1])
        if head == "_aliases":
            return self._update_aliases(body["actions"])
        if head == "_bulk":
            return self._bulk(body, None)
        if len(segments) == 1:
            return self._index(method, segments[0], body, params)
        return self._index_api(method, segments[0], segments[1], body)

    def _names(self, expression: str) -> list[str]:
        names: list[str] = []
        for part in expression.split(","):
            names += [n for n in self.indices if fnmatch.fnmatch(n, part)]
            names += [n for n, i in self.indices.items() if part in i.aliases]
        return sorted(set(names))

    def _alias(self, method: str, name: str) -> tuple[int, Any]:
        found = {n: {"aliases": {name: i.aliases[name]}} for n, i in self.indices.items() if name in i.aliases}
        return (200, found) if found else (404, {"error": f"alias [{name}] missing", "status": 404})

    def _update_aliases(self, actions: list[dict[str, Any]]) -> tuple[int, Any]:
        for action in actions:
            ((kind, spec),) = action.items()
            index = self.indices[spec["index"]]
            if kind == "remove":
                index.aliases.pop(spec["alias"], None)
            else:
                index.aliases[spec["alias"]] = {"is_write_index": spec.get("is_write_index", False)}
        return 200, {"acknowledged": True}

    def _index(self, method: str, name: str, body: Any, params: dict[str, str]) -> tuple[int, Any]:
        if method == "PUT":
            if name in self.indices:
                return 400, _error("resource_already_exists_exception", f"index [{name}] already exists", 400)
            aliases = (body or {}).get("aliases", {})
            settings: dict[str, Any] = next((t["template"]["settings"] for t in self.templates.values()), {})
            self.indices[name] = Index(aliases=dict(aliases), settings=settings)
            return 200, {"acknowledged": True, "index": name}
        if method == "DELETE":
            for n in self._names(name):
                del self.indices[n]
            return 200, {"acknowledged": True}
        found = self._names(name)
        return (200, {n: {} for n in found}) if found else (404, _error("index_not_found_exception", name, 404))

    def _index_api(self, method: str, name: str, api: str, body: Any) -> tuple[int, Any]:
        names = self._names(name)
        if api == "_bulk":
            return self._bulk(body, name)
        if not names and api != "_mapping":
            return 404, _error("index_not_found_exception", f"no such index [{name}]", 404)
        if api == "_mapping" and method == "PUT":
            for n in names:
                self.indices[n].meta = dict(body.get("_meta", {}))
            return 200, {"acknowledged": True}
        if api == "_mapping":
            return 200, {n: {"mappings": {"_meta": self.indices[n].meta or self._template_meta()}} for n in names}
        if api == "_refresh":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if api == "_count":
            return 200, {"count": sum(len(self.indices[n].docs) for n in names)}
        if api == "_search":
            answer = {
                "took": 1,
                "timed_out": False,
                "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
                "aggregations": {},
            }
            return 200, {**answer, **self.search_answer}
        return 404, _error("fake_unknown_api", f"{method} {name}/{api}", 404)

    def _template_meta(self) -> dict[str, Any]:
        return next((t["template"]["mappings"].get("_meta", {}) for t in self.templates.values()), {})

    def _write_index(self, target: str) -> str:
        if target in self.indices:
            return target
        holders = [n for n, i in self.indices.items() if target in i.aliases]
        writers = [n for n in holders if self.indices[n].aliases[target].get("is_write_index")]
        return (writers or holders or [target])[0]

    def _bulk(self, lines: Any, default_index: str | None) -> tuple[int, Any]:
        items = []
        pairs = iter(lines or [])
        for action in pairs:
            ((op, meta),) = action.items()
            source = next(pairs) if op != "delete" else None
            target = self._write_index(meta.get("_index") or default_index or "")
            doc_id = str(meta["_id"])
            if doc_id in self.refuse:
                status, kind = self.refuse[doc_id]
                items.append({op: {"_id": doc_id, "status": status, "error": {"type": kind, "reason": "refused"}}})
                continue
            index = self.indices.get(target)
            if index is None:
                items.append({op: {"_id": doc_id, "status": 404, "error": {"type": "index_not_found_exception"}}})
            elif op == "delete":
                found = index.docs.pop(doc_id, None)
                items.append({op: {"_id": doc_id, "status": 200 if found else 404, "result": "deleted"}})
            else:
                index.docs[doc_id] = dict(source or {})
                items.append({op: {"_id": doc_id, "status": 201, "result": "created"}})
        errors = any("error" in next(iter(i.values())) for i in items)
        return 200, {"took": 1, "errors": errors, "items": items}


def _decode(body: bytes | None) -> Any:
    if not body:
        return None
    text = body.decode("utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # NDJSON of a bulk request
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _error(kind: str, reason: str, status: int) -> dict[str, Any]:
    cause = {"type": kind, "reason": reason}
    return {"error": {**cause, "root_cause": [cause]}, "status": status}
