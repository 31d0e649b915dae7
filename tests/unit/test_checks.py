"""The automatic format checks of 审核 (DOMAIN.md §1.2–1.4)."""

from __future__ import annotations

from dataclasses import replace

from services.workflow.checks import DraftView, blocking_failures, run_checks
from tests.helpers.drafts import GOOD


def _failed(draft: DraftView) -> set[str]:
    return {r.code for r in blocking_failures(run_checks(draft))}


def test_a_well_formed_joint_notice_passes() -> None:
    assert _failed(GOOD) == set()


def test_title_must_end_with_its_doc_type() -> None:
    assert _failed(replace(GOOD, title="关于印发工作方案")) == {"title_ends_with_doc_type"}
    assert _failed(replace(GOOD, doc_type="报告")) >= {"title_ends_with_doc_type"}


def test_qingshi_has_one_main_recipient() -> None:
    draft = replace(GOOD, doc_type="请示", title="关于拨付活动经费的请示", copy_recipient_ids=[])
    assert "qingshi_one_main_recipient" in _failed(draft)
    assert "qingshi_one_main_recipient" not in _failed(replace(draft, main_recipient_ids=[5]))


def test_attachment_notes_must_match_attachments() -> None:
    assert _failed(replace(GOOD, attachment_titles=[])) == {"attachment_notes_match"}
    assert _failed(replace(GOOD, attachment_notes=["扎兰屯市第41个全区民族团结进步活动月工作方案。"])) == set()


def test_hand_typed_own_number_fails_but_citing_another_passes() -> None:
    assert _failed(replace(GOOD, body="扎民委字【2024】32号\n" + GOOD.body)) == {"no_typed_doc_number"}
    assert _failed(replace(GOOD, body="根据（广委办函〔2022〕31号）要求。")) == set()


def test_upward_documents_are_not_copied_to_subordinates() -> None:
    report = replace(GOOD, doc_type="报告", title="关于活动月工作情况的报告", copy_recipient_ids=[9])
    assert "upward_no_copy_to_subordinates" in _failed(report)


def test_classified_documents_need_a_secrecy_period() -> None:
    assert _failed(replace(GOOD, classification="秘密")) == {"secrecy_period_present"}
    assert _failed(replace(GOOD, classification="秘密", secrecy_period="1年")) == set()


def test_a_report_carrying_a_request_is_a_warning_only() -> None:
    report = replace(
        GOOD, doc_type="报告", title="关于活动月工作情况的报告", body="妥否，请批示。", copy_recipient_ids=[]
    )
    results = {r.code: r for r in run_checks(report)}
    assert not results["report_no_request"].passed and not results["report_no_request"].blocking
    assert _failed(report) == set()


def test_a_character_no_font_has_fails_naming_it() -> None:
    """A character no installed face draws fails the checks, named by its code point and itself."""
    results = run_checks(replace(GOOD, unprintable=["\U00030000", "\U0010fffd"]))
    failed = [r for r in blocking_failures(results) if r.code == "unprintable_character"]
    assert len(failed) == 1
    assert "U+30000“\U00030000”" in failed[0].zh and "U+10FFFD“\U0010fffd”" in failed[0].zh
    assert "U+30000" in failed[0].en
