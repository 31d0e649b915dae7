"""What the recogniser found in a plan's text, as a proposal for the drafter: unit names resolved to organs (full
name, short name, alias) and recipient groups (name or alias) where they match. A name that matches nothing, or an
organ that cannot take part in this draft, is listed for the drafter with the line it came from: never dropped in
silence, and never replaced by its neighbour (a task whose 牵头 is unknown is proposed without a lead)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.accounts.groups import GroupService
from services.context import Context
from services.domain.models import Organ
from services.imports.obligations import FoundPlan, recognize_plan


@dataclass
class Proposal:
    """Draft fields (phases, obligations, tasks) ready for the editor; the unit names nothing matched
    (``unmatched``, shown as 未识别) and the organs that are no recipient (or issuer) of the draft (``outside``)."""

    phases: list[dict[str, Any]] = field(default_factory=list)
    obligations: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    """A unit name without the separators and brackets plans vary in: 各乡镇、街道 = 各乡镇街道 = 各乡镇（街道）."""
    return re.sub(r"[、，,\s（）()]", "", name)


@dataclass(frozen=True)
class Unit:
    """What one name stands for: an organ, or a group with its members."""

    name: str
    organ: int | None = None
    group: int | None = None
    members: tuple[int, ...] = ()

    @property
    def organs(self) -> list[int]:
        return [self.organ] if self.organ is not None else list(self.members)


class UnitNames:
    """Unit names as plans write them (市教育局, 市文旅局, 各市直部门) → organs (full or short name or an alias) or
    recipient groups (name or alias; 各 written or not)."""

    def __init__(self, ctx: Context) -> None:
        self.organs: dict[str, int] = {}
        self.organ_names: dict[int, str] = {}
        for organ in ctx.session.scalars(select(Organ).options(selectinload(Organ.aliases))):
            self.organ_names[organ.id] = organ.name
            for name in organ.names:
                self.organs.setdefault(_key(name), organ.id)
        self.groups: dict[str, tuple[int, tuple[int, ...]]] = {}
        for g in GroupService(ctx).all():
            for name in g.names:
                self.groups.setdefault(_key(name), (g.id, tuple(m.organ_id for m in g.members)))

    def unit(self, name: str) -> Unit | None:
        """The organ or group a name stands for; an organ's own name before a group's."""
        key = _key(name)
        if key in self.organs:
            return Unit(name, organ=self.organs[key])
        group = self.groups.get(key) or self.groups.get("各" + key) or self.groups.get(key.removeprefix("各"))
        return Unit(name, group=group[0], members=group[1]) if group else None

    def resolve(self, names: list[str]) -> tuple[list[int], list[int], list[str]]:
        """(organ ids, group ids, names nothing matched)."""
        organs: list[int] = []
        groups: list[int] = []
        unknown: list[str] = []
        for name in names:
            unit = self.unit(name)
            if unit is None:
                unknown.append(name)
            elif unit.organ is not None:
                organs.append(unit.organ)
            elif unit.group is not None:
                groups.append(unit.group)
        return organs, groups, unknown


def propose(
    ctx: Context, text: str, year: int | None, recipients: set[int] | None = None, issuers: set[int] | None = None
) -> Proposal:
    """The plan's recognised obligations, phases and tasks as draft fields. Given the draft's ``recipients`` (and
    ``issuers``), owners who are no recipient and task units who are neither are left out of the fields and
    listed in ``outside`` (the drafter adds them to the draft or picks another unit)."""
    return proposal_of(ctx, recognize_plan(text, year), recipients, issuers)


def proposal_of(
    ctx: Context, plan: FoundPlan, recipients: set[int] | None = None, issuers: set[int] | None = None
) -> Proposal:
    names = UnitNames(ctx)
    out = Proposal()
    out.phases = [{"name": p.name, "starts_on": _iso(p.starts_on), "ends_on": _iso(p.ends_on)} for p in plan.phases]
    for o in plan.obligations:
        organs, groups, unknown = names.resolve(o.units)
        kept = [x for x in organs if recipients is None or x in recipients]
        outside = [names.organ_names[x] for x in organs if x not in kept]
        out.obligations.append(
            {
                "title": o.title, "materials": o.materials, "due_on": _iso(o.due_on), "cadence": o.cadence,
                "starts_on": _iso(o.starts_on), "ends_on": _iso(o.ends_on), "at_least": o.at_least,
                "owner_organs": kept, "owner_groups": groups, "units_text": "、".join(o.units),
                "unmatched": unknown, "outside": outside,
            }
        )  # fmt: skip
        out.unmatched += unknown
        out.outside += outside
    allowed = None if recipients is None else recipients | (issuers or set())
    for t in plan.tasks:
        task = _task(names, t.lead, t.others, allowed)
        out.tasks.append({"text": t.text, "units_text": t.units_text, **task})
        out.unmatched += task["unmatched"]
        out.outside += task["outside"]
    out.unmatched = list(dict.fromkeys(out.unmatched))
    out.outside = list(dict.fromkeys(out.outside))
    return out


def _task(names: UnitNames, lead: str, others: list[str], allowed: set[int] | None) -> dict[str, Any]:
    """A task line's units: its 牵头 (a group written first leads by its members, in their order) and 配合 units,
    each organ once. A 牵头 that matches nothing or may not take part leaves the task without a lead: the next unit
    is no lead in its place. ``units`` is what a draft stores (lead first), empty while there is no lead."""
    unmatched: list[str] = []
    outside: list[str] = []
    found: dict[int, None] = {}
    lead_ok = False
    for k, name in enumerate([lead, *others]):
        unit = names.unit(name)
        if unit is None:
            unmatched.append(name)
            continue
        for organ in unit.organs:
            if allowed is not None and organ not in allowed:
                outside.append(names.organ_names[organ])
            else:
                lead_ok = lead_ok or k == 0
                found.setdefault(organ, None)
    units = list(found)
    chosen_lead = units[0] if lead_ok else None
    rest = units[1:] if lead_ok else units
    return {
        "lead": chosen_lead,
        "others": rest,
        "units": [chosen_lead, *rest] if chosen_lead is not None else [],
        "unmatched": unmatched,
        "outside": list(dict.fromkeys(outside)),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
