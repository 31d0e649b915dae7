"""A draft that passes every format check of 审核: the base the check tests vary one field at a time."""

from __future__ import annotations

from services.workflow.checks import DraftView

GOOD = DraftView(
    doc_type="通知",
    title="关于印发《扎兰屯市第41个全区民族团结进步活动月工作方案》的通知",
    body="现印发给你们，请结合工作实际，认真组织实施。",
    issuer_ids=[2, 3, 4],
    lead_organ_id=4,
    main_recipient_ids=[5, 6],
    copy_recipient_ids=[1],
    attachment_notes=["扎兰屯市第41个全区民族团结进步活动月工作方案"],
    attachment_titles=["扎兰屯市第41个全区民族团结进步活动月工作方案"],
    classification="非密",
    secrecy_period=None,
    lead_subordinate_ids={9},
    lead_prefixes=["扎民委字"],
)
