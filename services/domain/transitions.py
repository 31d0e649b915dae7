"""One small state machine behind every entity's ``move``: its table says which state may follow which; a move
the table does not allow is refused with the entity's stable code, naming both states in Chinese."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from services.domain.enums import Labelled
from services.errors import Conflict

S = TypeVar("S", bound=StrEnum)


def label_zh(state: StrEnum) -> str:
    """A state's Chinese name: the one a Labelled vocabulary carries, else its value (already Chinese)."""
    return state.zh if isinstance(state, Labelled) else state.value


@dataclass(frozen=True)
class StateMachine(Generic[S]):
    states: type[S]
    table: Mapping[S, Collection[S]]
    code: str  # the refusal's stable code, e.g. illegal_state
    subject_zh: str  # 公文, 收文, 导入任务 …
    subject_en: str
    name_zh: Callable[[S], str] = label_zh
    refusal_zh: Callable[[S, S], str] | None = None  # a refusal worded for this entity (now, to), if not the usual
    refusal_en: Callable[[S, S], str] | None = None

    def allows(self, now: str, to: S) -> bool:
        """Whether ``to`` may follow ``now`` (what a page may offer; ``move`` refuses the rest)."""
        return to in self.table[self.states(now)]

    def move(self, now: str, to: S) -> str:
        """The new state's stored value, or a refusal when ``to`` may not follow ``now``."""
        current = self.states(now)
        if to not in self.table[current]:
            usual = f"{self.subject_zh}当前为“{self.name_zh(current)}”，不能转为“{self.name_zh(to)}”"
            usual_en = f"the {self.subject_en} is '{current.value}'; it cannot become '{to.value}'"
            raise Conflict(
                self.code,
                self.refusal_zh(current, to) if self.refusal_zh else usual,
                self.refusal_en(current, to) if self.refusal_en else usual_en,
                status_now=current.value,
            )
        return to.value
