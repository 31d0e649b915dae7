"""Routes served from the application's own route list, each synchronous one in one worker thread."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from fastapi import APIRouter, FastAPI, Request
from fastapi.params import Depends
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from services.http.deps import SCOPED, Scoped, open_scope
from services.http.scope import TokenDep

_REQUEST, _CALLER = "gongwen_request__", "gongwen_caller__"
_REQUEST_PARAM = Scoped(lambda _: None)  # the endpoint's own Request parameter, given ours


def serve(app: FastAPI, router: APIRouter) -> None:
    """Put a router's routes on the app itself. Since FastAPI 0.137 an included router is matched through
    wrappers that cost ≈ 1 ms a request over our ≈ 150 routes (a third of a simple page); our routers carry their
    prefix, tags and error responses on each route already, so nothing is lost by serving the routes directly.
    A synchronous route that runs in the caller's transaction is served in one thread hop (`in_one_hop`)."""
    for route in router.routes:
        wrapped = in_one_hop(route.endpoint) if isinstance(route, APIRoute) else None
        if isinstance(route, APIRoute) and wrapped is not None:
            route = _rebuilt(route, wrapped)
        app.router.routes.append(route)


def in_one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any] | None:
    """The endpoint as a coroutine that does all its blocking work in one worker thread: open the caller's
    transaction, build from it what the endpoint names (the user, the unit of work, services: deps.SCOPED), run
    the endpoint, commit. FastAPI would hop to the pool to enter the transaction, for the endpoint, to validate
    its answer and to commit: four waits for a free thread where one does. None: nothing to gain."""
    if not inspect.isfunction(endpoint) or inspect.iscoroutinefunction(endpoint):
        return None
    if inspect.isgeneratorfunction(endpoint) or inspect.isasyncgenfunction(endpoint):
        return None
    try:
        hints = get_type_hints(endpoint, include_extras=True)
    except (NameError, TypeError):  # left to FastAPI, which reports it
        return None
    scoped: dict[str, Scoped] = {}
    kept: list[inspect.Parameter] = []
    signature = inspect.signature(endpoint)
    for param in signature.parameters.values():
        spec = SCOPED.get(_dependency_of(hints.get(param.name), param.default))  # type: ignore[arg-type]
        if hints.get(param.name) is Request:  # FastAPI passes the request to one parameter only: ours
            scoped[param.name] = _REQUEST_PARAM
        elif spec is None:
            kept.append(param.replace(annotation=hints.get(param.name, param.annotation)))
        else:
            scoped[param.name] = spec
    if all(spec is _REQUEST_PARAM for spec in scoped.values()):
        return None
    write = next((s.write for s in scoped.values() if s.write is not None), None)
    pending_ok = any(s.password_pending_ok for s in scoped.values())

    async def one_hop(**values: Any) -> Any:
        request, caller = values.pop(_REQUEST), values.pop(_CALLER)

        def work() -> Any:
            with open_scope(request, caller, write, pending_ok) as opened:
                for name, spec in scoped.items():
                    values[name] = request if spec is _REQUEST_PARAM else spec.build(opened)
                return endpoint(**values)

        return await run_in_threadpool(work)

    extra = [
        inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter(_CALLER, inspect.Parameter.KEYWORD_ONLY, annotation=TokenDep),
    ]
    returns = hints.get("return", signature.return_annotation)
    one_hop.__signature__ = signature.replace(parameters=[*kept, *extra], return_annotation=returns)  # type: ignore[attr-defined]
    one_hop.__name__, one_hop.__qualname__ = endpoint.__name__, endpoint.__qualname__
    one_hop.__doc__, one_hop.__module__ = endpoint.__doc__, endpoint.__module__
    return one_hop


def _dependency_of(annotation: Any, default: Any) -> Callable[..., Any] | None:
    if isinstance(default, Depends):
        return default.dependency
    if get_origin(annotation) is Annotated:
        for extra in get_args(annotation)[1:]:
            if isinstance(extra, Depends):
                return extra.dependency
    return None


_ROUTE_OPTIONS = [p for p in inspect.signature(APIRoute.__init__).parameters if p not in ("self", "path", "endpoint")]


def _rebuilt(route: APIRoute, endpoint: Callable[..., Any]) -> APIRoute:
    """The same route (path, methods, answer model, OpenAPI) on another endpoint."""
    options = {name: getattr(route, name) for name in _ROUTE_OPTIONS if hasattr(route, name)}
    return APIRoute(route.path, endpoint, **options)


class _Node:
    """A node of the route index: the routes whose path begins with this node's literal segments and has no more
    literal ones (held here), the children by their next literal segment, and the router of the routes a request
    ending its walk here may match (built on first use)."""

    __slots__ = ("children", "held", "router")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.held: list[int] = []
        self.router: APIRouter | None = None


def index_routes(app: FastAPI) -> None:
    """Match a request against the few routes its path can match, not all ≈ 220 in order: the pages come after
    the API, so a page's path was tried against every API route first (≈ 0.15 ms a page on a quiet core).

    A route can only match a path beginning with the literal segments of its own path before its first parameter,
    so the routes of a request are those held along its path's walk down a tree of those segments, in their order
    in the route list: the first of them that matches fully is the one the full list would find. When none matches
    fully (no route, a method not allowed, a slash to add or remove), the full list answers as before; so does a
    route list changed since the tree was built."""
    router = app.router
    everything = router.middleware_stack
    built: list[tuple[int, _Node]] = []

    def root() -> _Node:
        if not built or built[0][0] != len(router.routes):
            built[:] = [(len(router.routes), _tree(router.routes))]
        return built[0][1]

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            candidates = _candidates(root(), router.routes, get_route_path(scope))
            if any(route.matches(scope)[0] is Match.FULL for route in candidates.routes):
                scope.setdefault("router", router)
                await candidates.app(scope, receive, send)
                return
        await everything(scope, receive, send)

    router.middleware_stack = dispatch


def _literal_segments(route: BaseRoute) -> list[str]:
    path: str = getattr(route, "path", "") or ""
    segments = []
    for segment in path[1:].split("/") if path.startswith("/") else []:
        if "{" in segment:
            break
        segments.append(segment)
    return segments


def _tree(routes: list[BaseRoute]) -> _Node:
    top = _Node()
    for position, route in enumerate(routes):
        node = top
        for segment in _literal_segments(route):
            node = node.children.setdefault(segment, _Node())
        node.held.append(position)
    return top


def _candidates(top: _Node, routes: list[BaseRoute], path: str) -> APIRouter:
    node, along = top, [top]
    for segment in path[1:].split("/"):
        child = node.children.get(segment)
        if child is None:
            break
        node = child
        along.append(node)
    if node.router is None:
        node.router = APIRouter(routes=[routes[i] for i in sorted(i for n in along for i in n.held)])
    return node.router
