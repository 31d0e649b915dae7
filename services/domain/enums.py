"""Closed vocabularies of the domain, with their Chinese names where users see them."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A vocabulary whose members carry the Chinese name users see, given beside the value:
    ``draft = "draft", "起草中"``."""

    _value_: str
    zh: str

    def __new__(cls, value: str, zh: str = "") -> Self:
        # a lookup by value (DocStatus("draft")) never reaches here; the default only lets the type checker see it
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        return member


class Role(StrEnum):
    drafter = "drafter"  # 拟稿人
    reviewer = "reviewer"  # 审核 (办公室)
    signer = "signer"  # 机关负责人: 会签 / 签发
    registrar = "registrar"  # 登记 (发文登记)
    archivist = "archivist"  # 档案员
    admin = "admin"


class DocType(StrEnum):
    """The 15 文种 of 《党政机关公文处理工作条例》 Art. 8 (DOMAIN.md §1.1)."""

    决议 = "决议"
    决定 = "决定"
    命令 = "命令"
    令 = "令"
    公报 = "公报"
    公告 = "公告"
    通告 = "通告"
    意见 = "意见"
    通知 = "通知"
    通报 = "通报"
    报告 = "报告"
    请示 = "请示"
    批复 = "批复"
    议案 = "议案"
    函 = "函"
    纪要 = "纪要"


UPWARD_DOC_TYPES = frozenset({DocType.请示, DocType.报告})  # 上行文 (DOMAIN.md §1.3)


class NumberFamily(StrEnum):
    """The gap-free numbers the system gives (DOMAIN.md §2.3, §2.5): a 令 and a 纪要 are not numbered by the
    发文字号, and a 收文 gets its 收文号 from the receiving organ."""

    document = "发文字号"  # per 机关代字 and year
    order = "令号"  # per issuing organ's 令 series, usually running on across years
    minutes = "期号"  # per meeting series of an organ, usually restarting each year
    incoming = "收文号"  # per receiving organ and year


SERIES_FAMILIES = (NumberFamily.order, NumberFamily.minutes)  # configured per organ (name, restart yearly)


def number_family(doc_type: str) -> NumberFamily:
    """Which sequence numbers a document of this 文种 when it is issued."""
    if doc_type in (DocType.命令, DocType.令):
        return NumberFamily.order
    if doc_type == DocType.纪要:
        return NumberFamily.minutes
    return NumberFamily.document


class Classification(StrEnum):
    """密级 (DOMAIN.md §1.2)."""

    none = "非密"
    secret = "秘密"
    confidential = "机密"
    top_secret = "绝密"


CLASSIFICATION_RANK = {
    Classification.none: 0,
    Classification.secret: 1,
    Classification.confidential: 2,
    Classification.top_secret: 3,
}


class Urgency(StrEnum):
    normal = "普通"
    urgent = "加急"
    very_urgent = "特急"


class DocKind(StrEnum):
    outgoing = "outgoing"  # 发文 drafted and issued here
    reply = "reply"  # 来文: a unit's report-back (总结) on a distributed plan
    imported = "imported"  # brought in from files, not issued by this system


class DocStatus(Labelled):
    draft = "draft", "起草中"  # 起草
    submitted = "submitted", "格式检查中"  # awaiting the automatic format checks
    returned = "returned", "已退回"  # back with the drafter, with a reason
    in_review = "in_review", "待审核"  # 审核 by the office
    signing = "signing", "会签中"  # 会签 / 签发 in parallel
    # every signature in; the registrar's gate: 复核 of the signed text (DOMAIN.md §1.5)
    rechecking = "rechecking", "待复核"
    registering = "registering", "待登记"  # 复核 done: 登记 (分送范围, 印制份数, 份号, 发文字号) is due
    sealing = "sealing", "待用印"  # 登记 done: 用印 of every issuing organ's seal is due
    releasing = "releasing", "待核发"  # sealed: the registrar's 核发 is due
    # cleared for issuing: the automatic 复核/登记 (when not done by hand), 印制 and 核发 are due
    signed = "signed", "待印发"
    issued = "issued", "已印制"  # numbered and rendered
    distributed = "distributed", "已分发"  # in every recipient's inbox
    received = "received", "已收到"  # a reply that has arrived (来文)
    imported = "imported", "已导入"  # brought in from a file; not issued by this system


DOC_STATUS_ZH = {status: status.zh for status in DocStatus}  # what a clerk calls each state (the pages' labels)
# The registrar's steps before issuing, in order, with the state each one waits in (DOMAIN.md §1.5 发文).
REGISTRAR_STEPS = {
    DocStatus.rechecking: "复核",
    DocStatus.registering: "登记",
    DocStatus.sealing: "用印",
    DocStatus.releasing: "核发",
}


class SignoffKind(StrEnum):
    countersign = "会签"
    sign = "签发"


class SignoffStatus(StrEnum):
    pending = "pending"
    signed = "signed"
    rejected = "rejected"


class RecipientRole(StrEnum):
    main = "主送"
    copy = "抄送"


class ExpectedStatus(StrEnum):
    """Status of one expected submission (obligation × unit × period), computed from today's date when read
    (DOMAIN.md §5: 未报 / 已报 / 逾期 / 退回补报; 迟报 is a report that came after its due date)."""

    pending = "未报"
    reported = "已报"
    late = "迟报"
    overdue = "逾期"
    returned = "退回补报"


OPEN_STATUSES = frozenset({ExpectedStatus.pending, ExpectedStatus.overdue, ExpectedStatus.returned})


class Cadence(StrEnum):
    """How often a recurring obligation asks for a report (seed 001: 每周 / 每月)."""

    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"


CADENCE_ZH = {Cadence.weekly: "每周", Cadence.monthly: "每月", Cadence.quarterly: "每季度"}


class SubmissionStatus(StrEnum):
    """One report as the issuing office handles it (DOMAIN.md §5: 收文 签收; 退回补报 with a reason)."""

    arrived = "待签收"
    accepted = "已签收"
    returned = "已退回"


class TaskRole(StrEnum):
    lead = "牵头"
    support = "配合"


class TaskState(StrEnum):
    todo = "未开始"
    doing = "进行中"
    done = "已完成"


class JobStatus(Labelled):
    pending = "pending", "待执行"
    running = "running", "执行中"
    done = "done", "已完成"
    failed = "failed", "失败"


class ArchiveRunStatus(Labelled):
    running = "running", "进行中"
    done = "done", "已完成"
    dry_run = "dry-run", "试运行已完成"
    failed = "failed", "失败"


ARCHIVE_RUN_STATUS_ZH = {status: status.zh for status in ArchiveRunStatus}


class ArchiveItemStatus(Labelled):
    numbered = "numbered", "已编档号"  # selected and given its 档号
    stored = "stored", "已入库"  # packaged, checked (四性) and stored under lock


class JobStep(Labelled):
    """The automated steps the outbox hands to the worker; each runs as a Prefect flow (flows/)."""

    check = "check", "格式检查"  # after 提交
    issue = "issue", "核发"  # 复核/登记, 印制 and 核发 after 签发
    archive = "archive", "年度归档"
    fixity = "fixity", "完整性检查"  # of the archive
    import_files = "import", "导入"  # of uploaded files
    anchor = "anchor", "审计链锚定"  # the audit chain's head written once into the archive store, daily


class ImportJobStatus(Labelled):
    """An upload's import, run by the worker off the request thread."""

    queued = "queued", "排队中"
    running = "running", "导入中"
    done = "done", "已完成"
    failed = "failed", "失败"


class ImportStage(StrEnum):
    """Where an import job is: what its progress line names (read, recognise, store)."""

    queued = "排队"
    reading = "读取"
    recognizing = "识别"
    storing = "入库"
    finished = "完成"


class LinkKind(StrEnum):
    """How one document refers to another (DA/T 22 §3.1 files some of them together as one 件)."""

    reports_on = "reports_on"  # a summary on a plan
    issues_plan = "issues_plan"  # a notice that 印发s a plan
    forwards = "forwards"  # 转发文 → 被转发文
    answers = "answers"  # 复文 → 来文


# What the drafter sets on a draft, with the role the linked document takes in the 件.
DRAFT_RELATIONS = {LinkKind.forwards: "被转发文", LinkKind.answers: "来文"}


class IncomingOrigin(StrEnum):
    """How a document reached the organ as 收文."""

    distributed = "distributed"  # 分发 into the organ's inbox (a 请示 sent up arrives this way too)
    report = "report"  # a report-back submission reaching the issuing office
    paper = "paper"  # an external paper document registered by hand


class IncomingNature(StrEnum):
    """阅件 and 办件 are registered and handled separately (DOMAIN.md §1.5)."""

    read = "阅件"
    handle = "办件"


class IncomingState(Labelled):
    registered = "registered", "待初审"  # 已登记
    accepted = "accepted", "待拟办"  # 初审通过
    proposed = "proposed", "待批办"  # 已拟办
    handling = "handling", "承办中"
    circulating = "circulating", "传阅中"
    closed = "closed", "已办结"
    returned = "returned", "已退回"  # 退回来文机关


OPEN_INCOMING = frozenset(
    {
        IncomingState.registered,
        IncomingState.accepted,
        IncomingState.proposed,
        IncomingState.handling,
        IncomingState.circulating,
    }
)
URGENT = frozenset({Urgency.urgent, Urgency.very_urgent})


class PartRole(StrEnum):
    lead = "主办"
    support = "协办"
