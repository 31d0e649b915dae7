"""The 收文 transition table: each handling step follows the one before it, and a closed or returned 收文 is final."""

from __future__ import annotations

import pytest

from services.domain.enums import IncomingState
from services.domain.models import INCOMING_TRANSITIONS, IncomingRecord
from services.errors import Conflict

S = IncomingState


def test_the_handling_order() -> None:
    record = IncomingRecord(state=S.registered.value)
    for step in (S.accepted, S.proposed, S.handling, S.closed):
        record.move(step)
    assert record.state == "closed"


@pytest.mark.parametrize(
    ("now", "to"),
    [(S.registered, S.proposed), (S.registered, S.handling), (S.accepted, S.handling), (S.proposed, S.accepted),
     (S.closed, S.handling), (S.returned, S.accepted), (S.handling, S.proposed), (S.circulating, S.handling)],
)  # fmt: skip
def test_skipping_or_going_back_is_refused(now: IncomingState, to: IncomingState) -> None:
    record = IncomingRecord(state=now.value)
    with pytest.raises(Conflict) as refused:
        record.move(to)
    assert refused.value.code == "incoming_illegal_state" and now.zh in refused.value.zh
    assert record.state == now.value


def test_every_state_has_a_row_and_final_states_lead_nowhere() -> None:
    assert set(INCOMING_TRANSITIONS) == set(IncomingState)
    assert not INCOMING_TRANSITIONS[S.closed] and not INCOMING_TRANSITIONS[S.returned]
