"""What a draft plan asks of its units, set by the drafter: phases (阶段), obligations (反馈事项) and tasks (任务分工).

Checked and stored with every save of the draft, snapshotted into the version (so they are versioned, diffed and
shown to signers like every other field). Bad input is refused with a clear error before anything changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from services.accounts.groups import GroupService
from services.accounts.service import OrganService
from services.context import Context
from services.documents.schemas import DraftFields, ObligationIn, PhaseIn, TaskIn
from services.domain.enums import RecipientRole, TaskRole
from services.domain.models import Document, Obligation, ObligationOwner, Phase, PlanTask, TaskAssignment
from services.errors import Invalid


def apply_plan(ctx: Context, document: Document, data: DraftFields) -> None:
    """Check the draft's phases, obligations and tasks against its recipients, then store them; every problem
    found is refused at once (``details["problems"]``: each with its list, row and field)."""
    today = ctx.today()
    recipients = {r.organ_id for r in document.recipients}
    main = [r.organ_id for r in document.recipients if r.role == RecipientRole.main.value]
    found: list[Invalid] = []
    _collect(found, lambda: _check_phases(data.phases))
    names = {p.name for p in data.phases}
    plan_end = max((p.ends_on for p in data.phases), default=None)
    owners: list[list[int]] = []
    for n, ob in enumerate(data.obligations):
        _collect(found, partial(_check_open_cadence, n, ob, plan_end, today))
        owners.append(_collect(found, partial(_check_obligation, ctx, n, ob, names, recipients, main, today)) or [])
    issuers = {i.organ_id for i in document.issuers}
    for n, task in enumerate(data.tasks):
        _collect(found, partial(_check_task, ctx, n, task, recipients | issuers))
    if found:
        raise _together(found)
    document.phases = [
        Phase(position=n, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on) for n, p in enumerate(data.phases)
    ]
    document.obligations = [_obligation(n, ob, owners[n]) for n, ob in enumerate(data.obligations)]
    document.plan_tasks = [_task(n, t) for n, t in enumerate(data.tasks)]


T = TypeVar("T")


def _collect(found: list[Invalid], check: Callable[[], T]) -> T | None:
    try:
        return check()
    except Invalid as exc:
        found.append(exc)
        return None


def _together(found: list[Invalid]) -> Invalid:
    """One refusal naming every problem; the first one's code."""
    if len(found) == 1:
        return found[0]
    first = found[0]
    where = ("field", "index", "part")
    problems = [{"code": e.code, "zh": e.zh, "en": e.en, **{k: e.details[k] for k in where if k in e.details}}
                for e in found]  # fmt: skip
    return Invalid(first.code, "；".join(e.zh for e in found), "; ".join(e.en for e in found),
                   field=first.details.get("field"), problems=problems)  # fmt: skip


def _check_phases(phases: list[PhaseIn]) -> None:
    seen: set[str] = set()
    for n, p in enumerate(phases):
        if p.name in seen:
            raise Invalid(
                "phase_twice",
                f"阶段重复：{p.name}",
                f"phase listed twice: {p.name}",
                field="phases",
                index=n,
                part="name",
            )
        seen.add(p.name)
        if p.starts_on and p.starts_on > p.ends_on:
            raise Invalid(
                "phase_dates", f"阶段“{p.name}”的开始日期晚于结束日期", f"phase '{p.name}' ends before it starts",
                field="phases", index=n, part="ends_on",
            )  # fmt: skip


def _check_obligation(
    ctx: Context, n: int, ob: ObligationIn, phases: set[str], recipients: set[int], main: list[int], today: dt.date
) -> list[int]:
    """The organs that owe the obligation; every rule of DOMAIN.md §5 a drafter can break is refused here."""
    where = f"第 {n + 1} 项反馈事项“{ob.title}”"
    if ob.due_on is None and ob.cadence is None:
        raise _bad(
            "obligation_without_date", f"{where}须有截止日期或报送周期", "needs a due date or a cadence", n, "due_on"
        )
    if ob.due_on is not None and ob.cadence is not None:
        raise _bad("obligation_date_and_cadence", f"{where}不能既有截止日期又有报送周期", "has both", n, "cadence")
    if ob.cadence is not None and ob.starts_on and ob.ends_on and ob.starts_on > ob.ends_on:
        raise _bad(
            "cadence_end_before_start",
            f"{where}的结束日期早于开始日期",
            "the cadence ends before it starts",
            n,
            "ends_on",
        )
    last = ob.due_on or ob.ends_on
    if last is not None and last < today:
        raise _bad(
            "due_before_issue",
            f"{where}的截止日期 {last.isoformat()} 早于发文日期",
            "the due date is before issuing",
            n,
            "due_on" if ob.due_on else "ends_on",
        )
    strays = [m for m in ob.optional_materials if m not in (ob.materials or [ob.title])]
    if strays:
        raise _bad(
            "optional_material_unknown", f"{where}的可选材料不在报送材料中：{'、'.join(strays)}",
            "an optional material is not among the materials", n, "materials",
        )  # fmt: skip
    if ob.phase is not None and ob.phase not in phases:
        raise _bad("phase_unknown", f"{where}所属阶段“{ob.phase}”不在本方案的阶段中", "no such phase", n, "phase")
    owners = list(dict.fromkeys(ob.owner_organs + GroupService(ctx).members(ob.owner_groups))) or main
    if not owners:
        raise _bad("obligation_without_owner", f"{where}没有报送单位：请先选择主送机关", "nobody owes it", n, "owners")
    strangers = [o for o in owners if o not in recipients]
    if strangers:
        names = "、".join(o.name for o in OrganService(ctx).get_many(strangers))
        raise _bad(
            "owner_not_recipient", f"{where}的报送单位不是本文的收文单位：{names}", "not a recipient", n, "owners"
        )
    return owners


def _check_open_cadence(n: int, ob: ObligationIn, plan_end: dt.date | None, today: dt.date) -> None:
    """A cadence with no end date runs to the end of the plan's last phase: that end must still be ahead."""
    if ob.cadence is None or ob.ends_on is not None or plan_end is None:
        return
    where = f"第 {n + 1} 项反馈事项“{ob.title}”"
    if plan_end < max(today, ob.starts_on or today):
        raise _bad(
            "cadence_after_plan_end",
            f"{where}未设结束日期，应报送至方案最后阶段结束（{plan_end.isoformat()}），但该日期已早于开始日期",
            "an open cadence runs to the plan's last phase, which ends before the cadence starts",
            n,
            "ends_on",
        )


def _check_task(ctx: Context, n: int, task: TaskIn, allowed: set[int]) -> None:
    if len(set(task.units)) != len(task.units):
        raise Invalid(
            "task_unit_twice",
            f"第 {n + 1} 项任务的责任单位重复",
            "a unit is listed twice",
            field="tasks",
            index=n,
            part="lead",
        )
    strangers = [u for u in task.units if u not in allowed]
    if strangers:
        names = "、".join(o.name for o in OrganService(ctx).get_many(strangers))
        raise Invalid(
            "task_unit_not_recipient",
            f"第 {n + 1} 项任务的责任单位不是本文的发文或收文单位：{names}",
            f"task {n + 1}: a responsible unit is neither an issuer nor a recipient",
            field="tasks",
            index=n,
            part="others",
        )


def _bad(code: str, zh: str, en: str, n: int, part: str) -> Invalid:
    return Invalid(code, zh, f"obligation {n + 1}: {en}", field="obligations", index=n, part=part)


def _obligation(n: int, ob: ObligationIn, owners: list[int]) -> Obligation:
    return Obligation(
        position=n,
        title=ob.title,
        materials=list(ob.materials) or [ob.title],
        optional_materials=list(dict.fromkeys(ob.optional_materials)),
        phase=ob.phase,
        due_on=ob.due_on,
        cadence=ob.cadence.value if ob.cadence else None,
        starts_on=ob.starts_on,
        ends_on=ob.ends_on,
        partial_first=ob.partial_first,
        at_least=ob.at_least,
        owner_groups=list(ob.owner_groups),
        owner_organs=list(ob.owner_organs),
        method=ob.method,
        contact=ob.contact,
        owners=[ObligationOwner(organ_id=o) for o in owners],
    )


def _task(n: int, task: TaskIn) -> PlanTask:
    assignments = [
        TaskAssignment(organ_id=u, position=k, role=(TaskRole.lead if k == 0 else TaskRole.support).value)
        for k, u in enumerate(task.units)
    ]
    return PlanTask(position=n, text=task.text, units_text=task.units_text, assignments=assignments)


def plan_snapshot(document: Document) -> dict[str, Any]:
    """The plan as saved in a version's fields: plain JSON, so versions diff it and a later save restores it."""
    return {
        "phases": [
            {"name": p.name, "starts_on": _iso(p.starts_on), "ends_on": _iso(p.ends_on)} for p in document.phases
        ],
        "obligations": [
            {
                "title": o.title,
                "materials": list(o.materials),
                "optional_materials": list(o.optional_materials or []),
                "phase": o.phase,
                "due_on": _iso(o.due_on),
                "cadence": o.cadence,
                "starts_on": _iso(o.starts_on),
                "ends_on": _iso(o.ends_on),
                "partial_first": bool(o.partial_first),
                "at_least": o.at_least,
                "owner_organs": list(o.owner_organs),
                "owner_groups": list(o.owner_groups),
                "method": o.method,
                "contact": o.contact,
            }
            for o in document.obligations
        ],
        "tasks": [
            {"text": t.text, "units": [a.organ_id for a in t.assignments], "units_text": t.units_text}
            for t in document.plan_tasks
        ],
    }


def plan_of_old_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A version saved before obligations existed: its one report requirement as one obligation."""
    if fields.get("obligations") is not None or not fields.get("report_deadline"):
        return {}
    materials = list(fields.get("report_materials") or []) or ["总结"]
    return {
        "obligations": [
            {
                "title": materials[0],
                "materials": materials,
                "due_on": fields["report_deadline"],
                "method": fields.get("report_method"),
                "contact": fields.get("report_contact"),
            }
        ]
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
