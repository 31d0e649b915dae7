"""What a refused form tells the clerk, in one place: each problem at its field, in Chinese, naming the field by
its label. The schema library's messages are translated here (its error ``type`` → a Chinese sentence, the field
path → the form's label); a domain refusal keeps its own Chinese. The English and the stable code are kept beside
each problem for support (a tooltip, the API's JSON), never shown as a line of the page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from services.errors import DomainError

# The schema library's error types, as a sentence about the field (``{label}``, and the limit it broke).
TYPE_ZH = {
    "missing": "请填写{label}",
    "string_too_short": "{label}至少须有 {min_length} 个字",
    "string_too_long": "{label}不能超过 {max_length} 个字",
    "string_type": "{label}须为文字",
    "too_short": "{label}至少须有 {min_length} 项",
    "too_long": "{label}最多 {max_length} 项",
    "enum": "{label}须从列表中选择",
    "literal_error": "{label}须从列表中选择",
    "date_parsing": "{label}不是有效的日期（应为 年-月-日，如 2026-12-07）",
    "date_from_datetime_parsing": "{label}不是有效的日期（应为 年-月-日，如 2026-12-07）",
    "date_from_datetime_inexact": "{label}不是有效的日期（应为 年-月-日，如 2026-12-07）",
    "date_type": "{label}不是有效的日期（应为 年-月-日，如 2026-12-07）",
    "int_parsing": "{label}须为整数",
    "int_type": "{label}须为整数",
    "int_from_float": "{label}须为整数",
    "greater_than_equal": "{label}不能小于 {ge}",
    "greater_than": "{label}须大于 {gt}",
    "less_than_equal": "{label}不能大于 {le}",
    "less_than": "{label}须小于 {lt}",
    "bool_parsing": "{label}取值不正确",
    "bool_type": "{label}取值不正确",
    "extra_forbidden": "{label}不是本表的栏目",
    "value_error": "{label}有重复或不正确的项",
}
ELSE_ZH = "{label}填写有误"
# Rows of a form (the editor's plan): the list's label, read as 第 N 项<label>的<field>.
ROW_ZH = {"phases": "阶段", "obligations": "反馈事项", "tasks": "任务"}
LIMITS = ("min_length", "max_length", "ge", "gt", "le", "lt")
STALE_FORM = "csrf_failed"


class FormProblem(BaseModel):
    """One problem at one field of a form (``field``: the input's name, or "form" for the whole form)."""

    field: str
    zh: str
    en: str
    code: str = "invalid"
    status: int = 422  # the refusal's HTTP status (a conflict with the state: 409)


class FormErrors(Exception):
    """Every problem found in a form, all at once."""

    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("; ".join(p.en for p in problems))
        self.problems = problems


def top_level(loc: Sequence[Any]) -> str:
    """The input named like the schema's field (most forms)."""
    return str(loc[0]) if loc else "form"


def translated(
    errors: Sequence[Any], labels: Mapping[str, str], name_of: Callable[[Sequence[Any]], str] = top_level
) -> list[FormProblem]:
    """The schema's errors as problems: a Chinese sentence naming the field by its label, at the input
    ``name_of`` gives for its path."""
    return [_one(error, labels, name_of) for error in errors]


def _one(error: Any, labels: Mapping[str, str], name_of: Callable[[Sequence[Any]], str]) -> FormProblem:
    loc = list(error.get("loc", ()))
    names = [str(part) for part in loc if isinstance(part, str)]
    field = names[-1] if names else ""
    kind = str(error.get("type", ""))
    label = labels.get(field, "此项") if field else "此项"
    if len(loc) > 1 and isinstance(loc[1], int) and str(loc[0]) in ROW_ZH:
        row = f"第 {loc[1] + 1} 项{ROW_ZH[str(loc[0])]}"
        label = f"{row}的{label}" if len(names) > 1 else row
    limits = {k: v for k, v in (error.get("ctx") or {}).items() if k in LIMITS}
    template = TYPE_ZH.get(kind, ELSE_ZH)
    if kind == "string_too_short" and (limits.get("min_length") == 1 or not str(error.get("input", "")).strip()):
        template = TYPE_ZH["missing"]
    try:
        zh = template.format(label=label, **limits)
    except (KeyError, IndexError):
        zh = ELSE_ZH.format(label=label)
    where = ".".join(str(p) for p in loc) or "form"
    return FormProblem(field=name_of(loc), zh=zh, en=f"{where}: {error.get('msg', 'invalid')}", code=kind)


def of_domain(
    exc: DomainError, name_of: Callable[[Sequence[Any]], str] = top_level, default_field: str = "form"
) -> list[FormProblem]:
    """A use case's refusal at the field it names (``details``: field, and in a list its index and part), or
    each of the problems it lists."""
    listed = exc.details.get("problems")
    found = listed if isinstance(listed, list) and listed else [{**exc.details, "code": exc.code, "zh": exc.zh,
                                                                   "en": exc.en}]  # fmt: skip
    return [
        FormProblem(field=_input(p, name_of, default_field), zh=p["zh"], en=p["en"], code=p["code"], status=exc.status)
        for p in found
    ]


def _input(problem: Mapping[str, Any], name_of: Callable[[Sequence[Any]], str], default_field: str) -> str:
    if not problem.get("field"):
        return default_field
    loc = [problem["field"]] + ([problem["index"], problem.get("part", "")] if "index" in problem else [])
    return name_of([p for p in loc if p != ""])


def problems_of(
    exc: Exception,
    labels: Mapping[str, str],
    name_of: Callable[[Sequence[Any]], str] = top_level,
    default_field: str = "form",
) -> list[FormProblem]:
    if isinstance(exc, FormErrors):
        return exc.problems
    if isinstance(exc, ValidationError):
        return translated(exc.errors(), labels, name_of)
    assert isinstance(exc, DomainError)
    return of_domain(exc, name_of, default_field)


def by_field(problems: Sequence[FormProblem]) -> dict[str, str]:
    """The problems keyed by input, as the templates' ``errors`` (several at one field joined)."""
    found: dict[str, str] = {}
    for p in problems:
        found[p.field] = f"{found[p.field]}；{p.zh}" if p.field in found else p.zh
    return found


def status_of(problems: Sequence[FormProblem]) -> int:
    """The status a page refused for these problems answers with (the highest of theirs)."""
    return max((p.status for p in problems), default=422)
