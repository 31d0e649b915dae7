"""What the recogniser found in a plan's text, as a proposal for the drafter: unit names resolved to organs and
recipient groups where they match, the rest left as words for the drafter to settle."""

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
    """Draft fields (phases, obligations, tasks) ready for the editor, and the unit names nothing matched."""

    phases: list[dict[str, Any]] = field(default_factory=list)
    obligations: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return re.sub(r"[、，,\s]", "", name)


class UnitNames:
    """Unit names as plans write them (市教育局, 市文旅局, 各乡镇街道) → organs (full or short name or an alias) or
    recipient groups."""

    def __init__(self, ctx: Context) -> None:
        self.organs = {}
        for organ in ctx.session.scalars(select(Organ).options(selectinload(Organ.aliases))):
            for name in organ.names:
                self.organs[_key(name)] = organ.id
        self.groups = {_key(g.name): (g.id, [m.organ_id for m in g.members]) for g in GroupService(ctx).all()}

    def resolve(self, names: list[str]) -> tuple[list[int], list[int], list[str]]:
        """(organ ids, group ids, names nothing matched); a group named as 各… also matches without 各."""
        organs: list[int] = []
        groups: list[int] = []
        unknown: list[str] = []
        for name in names:
            key = _key(name)
            group = self.groups.get(key) or self.groups.get("各" + key.removeprefix("各"))
            if key in self.organs:
                organs.append(self.organs[key])
            elif group:
                groups.append(group[0])
            else:
                unknown.append(name)
        return organs, groups, unknown

    def expand(self, names: list[str]) -> tuple[list[int], list[str]]:
        """Organ ids in the order written, a group's members in its place (each once), and the unknown names."""
        found: dict[int, None] = {}
        unknown: list[str] = []
        for name in names:
            organs, groups, missing = self.resolve([name])
            found.update(dict.fromkeys(organs))
            for g in groups:
                found.update(dict.fromkeys(next(m for gid, m in self.groups.values() if gid == g)))
            unknown += missing
        return list(found), unknown


def propose(
    ctx: Context, text: str, year: int | None, recipients: set[int] | None = None, issuers: set[int] | None = None
) -> Proposal:
    """The plan's recognised obligations, phases and tasks as draft fields. Given the draft's ``recipients`` (and
    ``issuers``), owners who are no recipient and task units who are neither are left out (the drafter adds them)."""
    return proposal_of(ctx, recognize_plan(text, year), recipients, issuers)


def proposal_of(
    ctx: Context, plan: FoundPlan, recipients: set[int] | None = None, issuers: set[int] | None = None
) -> Proposal:
    names = UnitNames(ctx)
    out = Proposal()
    out.phases = [{"name": p.name, "starts_on": _iso(p.starts_on), "ends_on": _iso(p.ends_on)} for p in plan.phases]
    for o in plan.obligations:
        organs, groups, unknown = names.resolve(o.units)
        out.unmatched += unknown
        if recipients is not None:
            organs = [x for x in organs if x in recipients]
        out.obligations.append(
            {
                "title": o.title, "materials": o.materials, "due_on": _iso(o.due_on), "cadence": o.cadence,
                "starts_on": _iso(o.starts_on), "ends_on": _iso(o.ends_on), "at_least": o.at_least,
                "owner_organs": organs, "owner_groups": groups, "units_text": "、".join(o.units),
            }
        )  # fmt: skip
    for t in plan.tasks:
        units, unknown = names.expand([t.lead, *t.others])
        out.unmatched += unknown
        if recipients is not None:
            units = [u for u in units if u in recipients | (issuers or set())]
        out.tasks.append({"text": t.text, "units": units, "units_text": t.units_text})
    out.unmatched = list(dict.fromkeys(out.unmatched))
    return out


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
