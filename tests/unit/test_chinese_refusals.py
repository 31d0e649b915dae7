"""What a clerk reads when refused is Chinese only: every state machine's refusal, every schema message the forms
translate, and the actions offered follow the transition table."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from services.documents.schemas import DraftInput
from services.domain import models
from services.domain.models import DOCUMENT_MOVES
from services.domain.transitions import StateMachine
from services.errors import Conflict
from services.incoming.schemas import PaperIn
from services.web.forms import FIELD_ZH, editor_input
from services.web.problems import translated
from services.workflow.actions import ACTS_IN

MACHINES = [v for v in vars(models).values() if isinstance(v, StateMachine)]
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def test_there_are_state_machines_to_check() -> None:
    assert len(MACHINES) >= 8


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.code)
def test_every_refused_move_is_worded_in_chinese(machine: StateMachine[Any]) -> None:
    refused = 0
    for now in machine.states:
        for to in machine.states:
            if machine.allows(now.value, to):
                continue
            with pytest.raises(Conflict) as caught:
                machine.move(now.value, to)
            assert not ASCII_WORD.findall(caught.value.zh), caught.value.zh
            refused += 1
    assert refused


def test_a_refused_document_action_names_the_states_in_chinese() -> None:
    document = models.Document(status="returned")
    with pytest.raises(Conflict) as caught:
        document.require_status(models.DocStatus.in_review)
    assert caught.value.zh == "公文当前为“已退回”，此操作须在“待审核”时进行"


def test_the_schema_messages_are_chinese_and_name_the_fields_by_label() -> None:
    bad = {
        "doc_type": "便条", "title": " ", "issue_form": "", "classification": "很密", "urgency": "x",
        "printed_copies": "三十", "body": "", "base_version": 0, "issuers": [1, 1], "attachment_notes": ["x" * 600],
        "obligations": [{"title": "", "due_on": "2026-13-01", "at_least": "两"}], "phases": [{"name": "阶段"}],
        "tasks": [{"text": ""}], "unknown": 1,
    }  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        DraftInput.model_validate(bad)
    problems = translated(caught.value.errors(), FIELD_ZH, editor_input)
    assert len(problems) >= 12
    for p in problems:
        assert not ASCII_WORD.findall(p.zh), p
    fields = {p.field: p.zh for p in problems}
    assert fields["title"] == "请填写标题" and fields["printed_copies"] == "印制份数须为整数"
    assert fields["ob-0-due_on"].startswith("第 1 项反馈事项的截止日期不是有效的日期")
    assert fields["phase-0-ends_on"] == "请填写第 1 项阶段的结束日期"


def test_the_paper_form_problems_are_chinese() -> None:
    with pytest.raises(ValidationError) as caught:
        PaperIn.model_validate({"source_name": "  ", "title": "", "copies": "两", "received_on": "2026-02-30"})
    labels = {"source_name": "来文机关", "title": "标题", "copies": "份数", "received_on": "收文日期"}
    found = {p.field: p.zh for p in translated(caught.value.errors(), labels)}
    assert found == {
        "source_name": "请填写来文机关",
        "title": "请填写标题",
        "copies": "份数须为整数",
        "received_on": "收文日期不是有效的日期（应为 年-月-日，如 2026-12-07）",
    }


def test_each_document_action_moves_along_the_transition_table() -> None:
    for action, (states, to) in ACTS_IN.items():
        assert states, action
        for state in states:
            assert to is None or DOCUMENT_MOVES.allows(state.value, to), (action, state, to)
