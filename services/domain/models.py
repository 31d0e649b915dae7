"""SQLAlchemy entities. State changes that carry rules live on the entities and refuse illegal moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.domain.enums import (
    ArchiveItemStatus,
    ArchiveRunStatus,
    Classification,
    DocKind,
    DocStatus,
    ImportJobStatus,
    ImportStage,
    IncomingState,
    JobStatus,
    RecipientRole,
    SignoffKind,
    SignoffStatus,
    SubmissionStatus,
    TaskState,
    Urgency,
)
from services.domain.transitions import StateMachine
from services.errors import Conflict

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# 责任者 of a document whose issuer is not known (DA/T 22 §3.5 catalogue column, filled rather than guessed).
UNSTATED_ISSUER = "未注明"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Organ(Base):
    """机关: full name, standard short name, 机关代字 per 发文形式, parent."""

    __tablename__ = "organs"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(100))
    name_alt: Mapped[str | None] = mapped_column(Text)  # e.g. the Mongolian line of a bilingual header
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organs.id"))
    # After the last signature its documents wait for its registrar's 复核/登记/用印/核发 (DOMAIN.md §1.5);
    # off: the automatic 复核/登记 and issuing follow the last signature at once.
    registrar_gate: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    prefixes: Mapped[list[OrganPrefix]] = relationship(back_populates="organ", order_by="OrganPrefix.id")
    aliases: Mapped[list[OrganAlias]] = relationship(order_by="OrganAlias.id", cascade="all, delete-orphan")

    @property
    def names(self) -> list[str]:
        """Every name the organ is known by: full name, short name, then the aliases (former names, short forms)."""
        return list(dict.fromkeys([self.name, self.short_name, *(a.alias for a in self.aliases)]))


class CacheVersion(Base):
    """A version per cached catalogue ("organs": names, short names, aliases), raised in the transaction that
    changes it (services.db): a process holding the catalogue reloads it when the number moved."""

    __tablename__ = "cache_versions"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class OrganAlias(Base):
    """Another name of an organ people type: a short form (市民委) or a former name; each names one organ."""

    __tablename__ = "organ_aliases"
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    alias: Mapped[str] = mapped_column(String(100), unique=True)


class OrganPrefix(Base):
    """机关代字 for one 发文形式 (e.g. 国发 / 国函 are separate sequences, DOMAIN.md §2.3)."""

    __tablename__ = "organ_prefixes"
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"))
    form: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(40), unique=True)
    organ: Mapped[Organ] = relationship(back_populates="prefixes")
    __table_args__ = (UniqueConstraint("organ_id", "form"),)


def holds_role(roles: Iterable[str], role: str) -> bool:
    """Whether a person with ``roles`` acts as ``role`` (an admin as every role)."""
    return role in roles or "admin" in roles


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    person_name: Mapped[str | None] = mapped_column(String(50))  # 姓名, printed as 签发人 (GB/T 9704 §7.2.6)
    job_title: Mapped[str | None] = mapped_column(String(100))  # 职务, printed beside a 令's 签名章
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)  # 科室, at most one
    roles: Mapped[list[Any]] = mapped_column(default=list)
    password_hash: Mapped[str] = mapped_column(String(200))
    clearance: Mapped[str] = mapped_column(String(8), default=Classification.none.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when an admin resets the password: every page and API call but changing it is refused until it is.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Raised by every change to the row (services.db): a cached caller is used only while it matches.
    auth_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    organ: Mapped[Organ] = relationship()
    department: Mapped[Department | None] = relationship()

    def has_role(self, role: str) -> bool:
        return holds_role(self.roles, role)


class Department(Base):
    """内设机构 (科室) inside one organ: 承办 and 传阅 name them (DOMAIN.md §1.5)."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organ: Mapped[Organ] = relationship()
    __table_args__ = (UniqueConstraint("organ_id", "name"),)


class LoginThrottle(Base):
    """Failed logins per account or per address, and until when further attempts are refused."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)  # "pair:<name> <address>", "user:…", "addr:…"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]


class KnownLogin(Base):
    """An address a user logged in from: the throttle never blocks a user at an address they used before for
    what others did there or to their account elsewhere."""

    __tablename__ = "known_logins"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(150), primary_key=True)
    last_at: Mapped[dt.datetime]


class AuthToken(Base):
    __tablename__ = "auth_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime]
    user: Mapped[User] = relationship()


def require_status_of(status: str, *allowed: DocStatus) -> None:
    """Refuse an action on a document whose state is not one it acts in."""
    if status not in {s.value for s in allowed}:
        raise Conflict(
            "illegal_state",
            f"公文当前为“{DocStatus(status).zh}”，此操作须在“{'、'.join(s.zh for s in allowed)}”时进行",
            f"the document is '{status}'; this action needs one of {[s.value for s in allowed]}",
            status_now=status,
        )


def responsible_names(names: list[str], kind: str, sender: Callable[[], str | None]) -> list[str]:
    """责任者 (DA/T 22 §3.5) from the issuers' names (those of the organs, then those known only by their text): an
    import without one is 未注明; otherwise, for a report-back, the name of its sender (asked only then)."""
    if names:
        return names
    if kind == DocKind.imported.value:
        return [UNSTATED_ISSUER]
    name = sender()
    return [name] if name else []


def incoming_number(year: int, seq: int) -> str:
    """收文号 as printed on the 收文处理单."""
    return f"收〔{year}〕{seq}号"


def ofd_key_beside(pdf_key: str) -> str:
    """Where the OFD of the 正本 whose PDF is at `pdf_key` is stored: the same folder and name, .ofd."""
    return pdf_key.removesuffix(".pdf") + ".ofd"


def ses_key_beside(pdf_key: str) -> str:
    """Where the detached seal signatures of the 正本 whose PDF is at `pdf_key` are stored: 正本.pdf.ses."""
    return pdf_key + ".ses"


class Document(Base):
    """A 公文 record with the GB/T 33480 field list (DOMAIN.md §4.3)."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=DocKind.outgoing.value)
    status: Mapped[str] = mapped_column(String(16), default=DocStatus.draft.value, index=True)
    doc_type: Mapped[str] = mapped_column(String(8))  # 文种
    title: Mapped[str] = mapped_column(Text)  # 标题
    lead_organ_id: Mapped[int | None] = mapped_column(
        ForeignKey("organs.id"), index=True
    )  # 主办机关; unknown for some imports
    issue_form: Mapped[str] = mapped_column(String(20))  # 发文形式, picks the 机关代字
    classification: Mapped[str] = mapped_column(String(8), default=Classification.none.value)  # 密级
    secrecy_period: Mapped[str | None] = mapped_column(String(40))  # 保密期限
    urgency: Mapped[str] = mapped_column(String(8), default=Urgency.normal.value)  # 紧急程度
    attachment_notes: Mapped[list[Any]] = mapped_column(default=list)  # 附件说明, the titles listed
    remark: Mapped[str | None] = mapped_column(Text)  # 附注
    main_recipients_text: Mapped[str | None] = mapped_column(Text)  # 主送 as written (a 统称 allowed)
    printed_copies: Mapped[int | None] = mapped_column(Integer)  # 印制份数: one 份号 per copy
    printing_organ: Mapped[str | None] = mapped_column(String(200))  # 印发机关
    printed_on: Mapped[dt.date | None] = mapped_column(Date)  # 印发日期
    release_scope: Mapped[str | None] = mapped_column(String(40))  # 发布层次
    doc_number: Mapped[str | None] = mapped_column(String(80), unique=True)  # 发文字号, canonical
    doc_prefix: Mapped[str | None] = mapped_column(String(40))
    doc_year: Mapped[int | None] = mapped_column(Integer)
    doc_seq: Mapped[int | None] = mapped_column(Integer)
    # A 令 or 纪要 is numbered in a series of its organ (DOMAIN.md §2.5), not by the 发文字号: doc_number then holds
    # the series' name with its number (扎兰屯市人民政府令第3号, …纪要〔2026〕第2期), unique as every 文号 is and never
    # of the 机关代字〔年〕N号 form; doc_seq is the N the header prints as 第N号 / 第N期.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("number_series.id"))
    __table_args__ = (Index("ix_documents_year_seq", "doc_year", "doc_seq"), Index("ix_documents_title", "title"))
    written_on: Mapped[dt.date | None] = mapped_column(Date)  # 成文日期
    written_year: Mapped[int | None] = mapped_column(Integer)  # its year alone, when only the year is known
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    signing_round: Mapped[int] = mapped_column(Integer, default=0)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    drafter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    main_groups: Mapped[list[Any]] = mapped_column(default=list)  # 单位分组 addressed; members are in recipients
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)  # a reply's plan
    source_organ_id: Mapped[int | None] = mapped_column(ForeignKey("organs.id"), index=True)  # a reply's sender
    rendered_pdf_key: Mapped[str | None] = mapped_column(Text)
    rendered_html_key: Mapped[str | None] = mapped_column(Text)
    issuing_sheet_key: Mapped[str | None] = mapped_column(Text)  # 发文稿纸 PDF, made at 印制 (filed as its 处理单)
    page_count: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime | None]
    distributed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    source_name: Mapped[str | None] = mapped_column(Text)  # an imported document's file name
    source_position: Mapped[int | None] = mapped_column(Integer)  # its 篇N inside a compilation
    owner_organ_id: Mapped[int | None] = mapped_column(ForeignKey("organs.id"), index=True)  # who imported it
    issuer_names: Mapped[list[Any]] = mapped_column(default=list)  # 责任者 that are no organ of ours, as written
    collection_title: Mapped[str | None] = mapped_column(Text)  # the compilation a 篇 was imported from
    published_at: Mapped[dt.datetime | None]  # an imported web page's 发布时间 (never its 成文日期)

    lead_organ: Mapped[Organ] = relationship(foreign_keys=[lead_organ_id])
    owner_organ: Mapped[Organ | None] = relationship(foreign_keys=[owner_organ_id])
    source_organ: Mapped[Organ | None] = relationship(foreign_keys=[source_organ_id])
    series: Mapped[NumberSeries | None] = relationship()
    issuers: Mapped[list[DocumentIssuer]] = relationship(
        order_by="DocumentIssuer.position", cascade="all, delete-orphan"
    )
    recipients: Mapped[list[DocumentRecipient]] = relationship(
        order_by="DocumentRecipient.position", cascade="all, delete-orphan"
    )
    drafter: Mapped[User | None] = relationship(foreign_keys=[drafter_id])
    outgoing_links: Mapped[list[DocumentLink]] = relationship(
        foreign_keys="DocumentLink.from_id", cascade="all, delete-orphan", order_by="DocumentLink.id", lazy="selectin"
    )
    phases: Mapped[list[Phase]] = relationship(order_by="Phase.position", cascade="all, delete-orphan")
    obligations: Mapped[list[Obligation]] = relationship(
        order_by="Obligation.position", cascade="all, delete-orphan", back_populates="document"
    )
    plan_tasks: Mapped[list[PlanTask]] = relationship(order_by="PlanTask.position", cascade="all, delete-orphan")

    @property
    def responsible(self) -> list[str]:
        """责任者 (DA/T 22 §3.5): the issuing organs' names, then issuers known only by the text that named them;
        for a report-back its sender. An import whose issuer was not recognised is 未注明: the organ that holds
        it did not write it (its records are its fonds, not its authorship)."""
        names = [i.name for i in self.issuers] + list(self.issuer_names)

        def sender() -> str | None:
            organ = self.source_organ or self.owner_organ
            return organ.name if organ else None

        return responsible_names(names, self.kind, sender)

    @property
    def year(self) -> int | None:
        """The year of 成文日期, or the year alone when only that is known (from the 文号 or the title)."""
        return self.written_on.year if self.written_on else self.written_year

    @property
    def is_joint(self) -> bool:
        return len(self.issuers) > 1

    @property
    def rendered_ofd_key(self) -> str | None:
        """The 正本's OFD (GB/T 33190), stored beside its PDF under the same name (documents issued before OFD was
        written have none: callers check that the object exists)."""
        return ofd_key_beside(self.rendered_pdf_key) if self.rendered_pdf_key else None

    @property
    def rendered_ses_key(self) -> str | None:
        """The PDF's detached seal signatures (GB/T 38540), when its seals were pressed electronically."""
        return ses_key_beside(self.rendered_pdf_key) if self.rendered_pdf_key else None

    def linked(self, kind: str) -> int | None:
        """The document this one refers to by a link of this kind (转发, 答复, …), if any."""
        return next((link.to_id for link in self.outgoing_links if link.kind == kind), None)

    def require_status(self, *allowed: DocStatus) -> None:
        require_status_of(self.status, *allowed)

    def move(self, to: DocStatus) -> None:
        """The one way a document changes state: along DOCUMENT_TRANSITIONS, or refused with ``illegal_state``."""
        self.status = DOCUMENT_MOVES.move(self.status, to)


# Which state may follow which (DOMAIN.md §1.4–1.5): drafting, checks, 审核, 会签/签发, 登记 and 核发.
DOCUMENT_TRANSITIONS: dict[DocStatus, frozenset[DocStatus]] = {
    DocStatus.draft: frozenset({DocStatus.submitted}),
    DocStatus.returned: frozenset({DocStatus.submitted}),
    DocStatus.submitted: frozenset({DocStatus.in_review, DocStatus.returned}),
    DocStatus.in_review: frozenset({DocStatus.signing, DocStatus.returned}),
    DocStatus.signing: frozenset({DocStatus.signed, DocStatus.rechecking, DocStatus.returned}),
    # The registrar's gate: a substantive change at 复核 sends the new version back to the signers.
    DocStatus.rechecking: frozenset({DocStatus.registering, DocStatus.signing}),
    DocStatus.registering: frozenset({DocStatus.sealing}),
    DocStatus.sealing: frozenset({DocStatus.releasing}),
    DocStatus.releasing: frozenset({DocStatus.signed}),
    DocStatus.signed: frozenset({DocStatus.issued}),
    DocStatus.issued: frozenset({DocStatus.distributed}),
    DocStatus.distributed: frozenset(),
    DocStatus.received: frozenset(),
    DocStatus.imported: frozenset(),
}
DOCUMENT_MOVES = StateMachine(DocStatus, DOCUMENT_TRANSITIONS, "illegal_state", "公文", "document")


class DocumentIssuer(Base):
    """One issuing organ of a (joint) document, in header order (DOMAIN.md §2.4)."""

    __tablename__ = "document_issuers"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    issued_name: Mapped[str | None] = mapped_column(String(200))  # the organ's name when the 文号 was given
    organ: Mapped[Organ] = relationship(lazy="joined")  # a document is shown with its organs' names

    @property
    def name(self) -> str:
        """The name the document was issued under; while a draft, the organ's name now."""
        return self.issued_name or self.organ.name


class DocumentRecipient(Base):
    __tablename__ = "document_recipients"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(4), default=RecipientRole.main.value)
    position: Mapped[int] = mapped_column(Integer)
    issued_name: Mapped[str | None] = mapped_column(String(200))  # the organ's name when the 文号 was given
    organ: Mapped[Organ] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.issued_name or self.organ.name


class DocumentVersion(Base):
    """Every save is a new version; the body text lives in object storage."""

    __tablename__ = "document_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body_key: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    body_size: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    checks: Mapped[list[Any]] = mapped_column(default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.position", cascade="all, delete-orphan")
    created_by: Mapped[User | None] = relationship()
    __table_args__ = (UniqueConstraint("document_id", "number"),)


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class Signoff(Base):
    """One organ's signature slot in a signing round: 会签 for co-issuers, 签发 for the lead."""

    __tablename__ = "signoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"))
    round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(4), default=SignoffKind.countersign.value)
    status: Mapped[str] = mapped_column(String(10), default=SignoffStatus.pending.value)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opinion: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[dt.datetime | None]
    organ: Mapped[Organ] = relationship()
    signer: Mapped[User | None] = relationship()
    __table_args__ = (UniqueConstraint("document_id", "organ_id", "round"),)

    def decide(self, to: SignoffStatus) -> None:
        """A slot is decided once, along SIGNOFF_TRANSITIONS: pending → signed or rejected."""
        self.status = SIGNOFF_MOVES.move(self.status, to)


SIGNOFF_TRANSITIONS: dict[SignoffStatus, frozenset[SignoffStatus]] = {
    SignoffStatus.pending: frozenset({SignoffStatus.signed, SignoffStatus.rejected}),
    SignoffStatus.signed: frozenset(),
    SignoffStatus.rejected: frozenset(),
}
SIGNOFF_MOVES = StateMachine(
    SignoffStatus,
    SIGNOFF_TRANSITIONS,
    "already_decided",
    "签署",
    "signoff",
    refusal_zh=lambda now, to: "您所在机关已在本轮签署",
    refusal_en=lambda now, to: "your organ already decided in this round",
)


class IssueRecord(Base):
    """The registrar's record of one document before issuing (DOMAIN.md §1.5 发文: 复核 → 登记 → 印制 → 核发;
    §4.1 process metadata): who decided each step, when, and what was registered."""

    __tablename__ = "issue_records"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    rechecked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rechecked_at: Mapped[dt.datetime | None]
    recheck_opinion: Mapped[str | None] = mapped_column(Text)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[dt.datetime | None]
    recipients: Mapped[list[Any]] = mapped_column(default=list)  # 分送范围 as confirmed: [{organ, role}]
    copies: Mapped[int | None] = mapped_column(Integer)  # 印制份数
    copy_numbers: Mapped[list[Any]] = mapped_column(default=list)  # 份号, 6 digits, one per printed copy
    sealed_at: Mapped[dt.datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[dt.datetime | None]
    rechecked_by: Mapped[User | None] = relationship(foreign_keys=[rechecked_by_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    seals: Mapped[list[SealRecord]] = relationship(order_by="SealRecord.position", cascade="all, delete-orphan")


class SealRecord(Base):
    """用印: one issuing organ's seal pressed on the document, by whom and when (GB/T 9704 §7.3.5.1: each
    issuing organ's seal, in organ order)."""

    __tablename__ = "seal_records"
    document_id: Mapped[int] = mapped_column(ForeignKey("issue_records.document_id"), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    applied_by: Mapped[str] = mapped_column(String(50))  # the person who pressed the seal, as the registrar wrote
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[dt.datetime]
    # the electronic seal (version) pressed on the issued files; None for seals recorded before there were any
    seal_id: Mapped[int | None] = mapped_column(ForeignKey("organ_seals.id"))
    organ: Mapped[Organ] = relationship()
    recorded_by: Mapped[User] = relationship()
    seal: Mapped[OrganSeal | None] = relationship()


class OrganSeal(Base):
    """电子印章: one version of an organ's seal (docs/seal.md). The database keeps what a verifier needs (the public
    key, the picture and its digest, validity, who made it); the private key is a file of the server's secret store
    named after ``es_id``. A new key pair is a new version; the old ones stay and still verify what they sealed."""

    __tablename__ = "organ_seals"
    __table_args__ = (UniqueConstraint("organ_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    es_id: Mapped[str] = mapped_column(String(100), unique=True)  # the seal's code in GB/T 38540's esID
    name: Mapped[str] = mapped_column(String(200))  # the organ's name the seal carries
    public_key: Mapped[str] = mapped_column(String(130))  # SM2, x ‖ y in hex
    image: Mapped[bytes] = mapped_column(LargeBinary)  # PNG
    image_sm3: Mapped[str] = mapped_column(String(64))
    eseal: Mapped[bytes] = mapped_column(LargeBinary)  # the SESeal (GB/T 38540, DER) every signature embeds
    valid_from: Mapped[dt.datetime]
    valid_to: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]  # when a newer version replaced it
    organ: Mapped[Organ] = relationship()


class DocumentView(Base):
    """The last version a user was shown, so a re-signing head sees exactly what changed since."""

    __tablename__ = "document_views"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NumberCounter(Base):
    """One gap-free counter (DOMAIN.md §2.3, §2.5): the last number given in a sequence. ``scope`` is the 机关代字
    of a 发文字号, the organ id of a 收文号, the series id of a 令号 or 期号; ``year`` is 0 for a series that runs on
    across years. services/numbering/allocator.py is the one place that moves it."""

    __tablename__ = "number_counters"
    family: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class NumberSeries(Base):
    """A sequence of an organ beside its 发文字号 (DOMAIN.md §2.5): its 令号, or the 期号 of one meeting series."""

    __tablename__ = "number_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    family: Mapped[str] = mapped_column(String(8))  # NumberFamily.order or .minutes
    name: Mapped[str] = mapped_column(String(100), unique=True)  # 扎兰屯市人民政府令, …常务会议纪要
    restart_yearly: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organ: Mapped[Organ] = relationship()


class InboxItem(Base):
    """A distributed document in a recipient unit's inbox; 签收 records who and when."""

    __tablename__ = "inbox_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    role: Mapped[str] = mapped_column(String(4))
    delivered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    received_at: Mapped[dt.datetime | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document: Mapped[Document] = relationship()
    organ: Mapped[Organ] = relationship()
    __table_args__ = (UniqueConstraint("document_id", "organ_id"),)


class RecipientGroup(Base):
    """单位分组 (委直属各单位, 各乡镇、街道 …): a 主送 line may name the group; distribution reaches every member."""

    __tablename__ = "recipient_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    members: Mapped[list[RecipientGroupMember]] = relationship(
        order_by="RecipientGroupMember.position", cascade="all, delete-orphan"
    )
    aliases: Mapped[list[RecipientGroupAlias]] = relationship(
        order_by="RecipientGroupAlias.id", cascade="all, delete-orphan"
    )

    @property
    def names(self) -> list[str]:
        """The group's name, then the other names documents address it by (各市直部门 for 市直各部门)."""
        return [self.name, *(a.alias for a in self.aliases)]


class RecipientGroupAlias(Base):
    """Another name of a 单位分组 as plans write it (a word-order variant, 各 or not); each names one group."""

    __tablename__ = "recipient_group_aliases"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("recipient_groups.id"), index=True)
    alias: Mapped[str] = mapped_column(String(100), unique=True)


class RecipientGroupMember(Base):
    __tablename__ = "recipient_group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("recipient_groups.id"), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    organ: Mapped[Organ] = relationship()


class Phase(Base):
    """阶段 of a plan (seed 001: 部署 / 推进 / 评估), with its own date range; it may group obligations."""

    __tablename__ = "plan_phases"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)


class Obligation(Base):
    """反馈事项: what a plan asks units to report, with its materials, who owes it, and a due date or a cadence.

    An expected submission is one owner × one period of it: a dated obligation has one period; a cadence has
    one per week, month or quarter from ``starts_on`` to ``ends_on``, each coming into being as its start passes.
    """

    __tablename__ = "obligations"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))  # e.g. 创建工作方案, 工作动态信息
    materials: Mapped[list[Any]] = mapped_column(default=list)  # 总结, 照片, 佐证材料 …: required parts of a report
    optional_materials: Mapped[list[Any]] = mapped_column(default=list)  # those among them a unit may leave out
    phase: Mapped[str | None] = mapped_column(String(40))  # the name of the 阶段 it belongs to
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    cadence: Mapped[str | None] = mapped_column(String(12))  # Cadence
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)  # none: open-ended, to the plan's last phase or a stop
    partial_first: Mapped[bool] = mapped_column(Boolean, default=False)  # the drafter asked for a partial first period
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)  # the issuing office stopped the cadence that day
    stopped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at_least: Mapped[int] = mapped_column(Integer, default=1)  # reports per period
    owner_groups: Mapped[list[Any]] = mapped_column(default=list)  # as the drafter chose them, for the editor
    owner_organs: Mapped[list[Any]] = mapped_column(default=list)
    method: Mapped[str | None] = mapped_column(Text)  # 报送方式
    contact: Mapped[str | None] = mapped_column(Text)  # 联系人
    document: Mapped[Document] = relationship(back_populates="obligations")
    owners: Mapped[list[ObligationOwner]] = relationship(cascade="all, delete-orphan")

    @property
    def owner_ids(self) -> set[int]:
        return {o.organ_id for o in self.owners}


class ObligationOwner(Base):
    """A unit that owes an obligation (resolved from 主送, a named subset or a recipient group)."""

    __tablename__ = "obligation_owners"
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), primary_key=True, index=True)


class Submission(Base):
    """One report (a document of kind reply) answering one obligation for one period of one unit."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"))
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    period_due: Mapped[dt.date] = mapped_column(Date)  # the due date of the period it answers: its key
    reply_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_on: Mapped[dt.date] = mapped_column(Date)  # local date, compared with the due date (迟报)
    status: Mapped[str] = mapped_column(String(8), default=SubmissionStatus.arrived.value)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_reason: Mapped[str | None] = mapped_column(Text)
    obligation: Mapped[Obligation] = relationship()
    organ: Mapped[Organ] = relationship()
    reply: Mapped[Document] = relationship(foreign_keys=[reply_document_id])
    __table_args__ = (
        Index("ix_submissions_expected", "obligation_id", "organ_id", "period_due", "status"),
        # covers the tally of a plan's periods (services/obligations/repository.py: tallies, late_counts)
        Index("ix_submissions_tally", "obligation_id", "period_due", "organ_id", "status", "submitted_on"),
        Index("ix_submissions_waiting", "status", "obligation_id"),  # reports still to be 签收 (a few of many)
    )

    def move(self, to: SubmissionStatus) -> None:
        """签收 or 退回补报, once: a report already handled is refused with ``submission_decided``."""
        self.status = SUBMISSION_MOVES.move(self.status, to)


SUBMISSION_TRANSITIONS: dict[SubmissionStatus, frozenset[SubmissionStatus]] = {
    SubmissionStatus.arrived: frozenset({SubmissionStatus.accepted, SubmissionStatus.returned}),
    SubmissionStatus.accepted: frozenset(),
    SubmissionStatus.returned: frozenset(),
}


def _report_decided(now: SubmissionStatus, to: SubmissionStatus) -> str:
    return f"该报送已处理（{now.value}），不能再{'签收' if to == SubmissionStatus.accepted else '退回'}"


SUBMISSION_MOVES = StateMachine(
    SubmissionStatus, SUBMISSION_TRANSITIONS, "submission_decided", "报送", "report", refusal_zh=_report_decided
)


class Chase(Base):
    """催办: one recorded chase of a unit for one obligation and period, at most once a day per unit and obligation."""

    __tablename__ = "chases"
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    period_due: Mapped[dt.date] = mapped_column(Date)
    chased_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[dt.datetime | None]
    obligation: Mapped[Obligation] = relationship()
    organ: Mapped[Organ] = relationship()
    __table_args__ = (
        UniqueConstraint("obligation_id", "organ_id", "chased_on"),
        Index("ix_chases_period", "obligation_id", "period_due", "organ_id"),  # the dashboard's count per period
    )


class PlanTask(Base):
    """任务分工: one task line of a plan with its responsible units, lead (牵头) first, others 配合."""

    __tablename__ = "plan_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    units_text: Mapped[str | None] = mapped_column(Text)  # the parenthesis as written, e.g. （市农牧局，各乡镇街道）
    document: Mapped[Document] = relationship(viewonly=True)  # the plan it is a task of, named in the 待办
    assignments: Mapped[list[TaskAssignment]] = relationship(
        order_by="TaskAssignment.position", cascade="all, delete-orphan", lazy="selectin"
    )


class TaskAssignment(Base):
    """One responsible unit of a task, its role and how far it has got."""

    __tablename__ = "task_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id"), index=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(4))  # TaskRole
    state: Mapped[str] = mapped_column(String(8), default=TaskState.todo.value)
    progress: Mapped[str | None] = mapped_column(Text)  # the latest progress note
    updated_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    task: Mapped[PlanTask] = relationship(back_populates="assignments")
    organ: Mapped[Organ] = relationship()
    __table_args__ = (UniqueConstraint("task_id", "organ_id"),)

    def move(self, to: TaskState) -> None:
        self.state = TASK_MOVES.move(self.state, to)


TASK_TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    TaskState.todo: frozenset({TaskState.doing, TaskState.done}),
    TaskState.doing: frozenset({TaskState.doing, TaskState.done}),
    TaskState.done: frozenset(),
}
TASK_MOVES = StateMachine(TaskState, TASK_TRANSITIONS, "task_state", "任务", "task")


class TaskReport(Base):
    """A progress report of a responsible unit on its task."""

    __tablename__ = "task_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("task_assignments.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Append-only process metadata (DOMAIN.md §4.1): who, which organ, when, what, on which version."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    organ_id: Mapped[int | None] = mapped_column(ForeignKey("organs.id"))
    organ_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    action_zh: Mapped[str] = mapped_column(String(40))
    version: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # the digest of the event before (services/audit/chain)
    hash: Mapped[str | None] = mapped_column(String(64))  # over every column above and prev_hash


class AuditChain(Base):
    """The one head of the audit chain: the last sealed event. Its row lock orders the sealing of events."""

    __tablename__ = "audit_chain"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(16))


class ProcessJob(Base):
    """A due automated step: the durable outbox the worker turns into Prefect flow runs."""

    __tablename__ = "process_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    step: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    failure_kind: Mapped[str | None] = mapped_column(String(12))  # dependency | step
    requeues: Mapped[int] = mapped_column(Integer, default=0)  # put back by itself after a dependency came back
    worker: Mapped[str | None] = mapped_column(String(120))
    __table_args__ = (Index("ix_process_jobs_due", "status", "run_after"),)

    def move(self, to: JobStatus) -> None:
        self.status = JOB_MOVES.move(self.status, to)


# Claiming (pending → running) is one conditional UPDATE for many jobs (services/jobs/service.py): it follows the
# same table. A running job ends done, fails for good, or goes back to wait; a failed one is put back by hand.
JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.pending: frozenset({JobStatus.running}),
    JobStatus.running: frozenset({JobStatus.done, JobStatus.failed, JobStatus.pending}),
    JobStatus.failed: frozenset({JobStatus.pending}),
    JobStatus.done: frozenset(),
}
JOB_MOVES = StateMachine(JobStatus, JOB_TRANSITIONS, "job_state", "自动步骤", "step")


class WorkerBeat(Base):
    """A worker process's last sign of life and what it found of the services it needs (for the operator)."""

    __tablename__ = "worker_beats"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[dt.datetime]
    prefect_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)


class ImportedFile(Base):
    """One imported file in one organ's records, by the SHA-256 of its bytes: importing it again into the same
    records changes nothing; another organ importing it gets its own record."""

    __tablename__ = "imported_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    owner_organ_id: Mapped[int | None] = mapped_column(ForeignKey("organs.id"))
    __table_args__ = (UniqueConstraint("sha256", "owner_organ_id", name="uq_imported_files_sha256_owner"),)
    filename: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(20))
    original_key: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(Text)
    document_ids: Mapped[list[Any]] = mapped_column(default=list)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ImportJob(Base):
    """One upload's import, run by the worker: its files wait in the store until read, its progress (stage, files
    done of total) is what the uploader's page and the API show, its outcome is the per-file report."""

    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ImportJobStatus.queued.value)
    stage: Mapped[str] = mapped_column(String(8), default=ImportStage.queued.value)
    done: Mapped[int] = mapped_column(Integer, default=0)  # files finished
    total: Mapped[int] = mapped_column(Integer, default=0)  # files uploaded
    files: Mapped[list[Any]] = mapped_column(default=list)  # [{"name", "key", "size"}] as uploaded
    outcomes: Mapped[list[Any]] = mapped_column(default=list)  # the per-file report, one entry per finished file
    code: Mapped[str | None] = mapped_column(String(64))  # why the whole job failed (a file's own reason is its own)
    message_zh: Mapped[str | None] = mapped_column(Text)
    message_en: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    def move(self, to: ImportJobStatus) -> None:
        """The one way an import job changes state: along IMPORT_JOB_TRANSITIONS, or refused."""
        self.status = IMPORT_JOB_MOVES.move(self.status, to)


# A job runs once a worker takes it; one whose worker died stays running and is taken up again where it stopped.
IMPORT_JOB_TRANSITIONS: dict[ImportJobStatus, frozenset[ImportJobStatus]] = {
    ImportJobStatus.queued: frozenset({ImportJobStatus.running, ImportJobStatus.failed}),
    ImportJobStatus.running: frozenset({ImportJobStatus.done, ImportJobStatus.failed}),
    ImportJobStatus.done: frozenset(),
    ImportJobStatus.failed: frozenset(),
}
IMPORT_JOB_MOVES = StateMachine(ImportJobStatus, IMPORT_JOB_TRANSITIONS, "illegal_state", "导入任务", "import job")


class DocumentLink(Base):
    """A summary that reports on a plan, a notice that 印发s a plan; found by 文号, title or by hand."""

    __tablename__ = "document_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # LinkKind: reports_on | issues_plan | forwards | answers
    how: Mapped[str] = mapped_column(String(16))  # doc_number | title | manual
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("from_id", "to_id", "kind"),)


__all__ = [
    "Attachment",
    "AuditChain",
    "AuditEvent",
    "AuthToken",
    "Base",
    "Chase",
    "Department",
    "DocKind",
    "Document",
    "DocumentIssuer",
    "DocumentLink",
    "DocumentRecipient",
    "DocumentVersion",
    "DocumentView",
    "Fonds",
    "ImportedFile",
    "InboxItem",
    "IncomingPart",
    "IncomingReader",
    "IncomingRecord",
    "IncomingStep",
    "IssueRecord",
    "LoginThrottle",
    "NumberCounter",
    "NumberSeries",
    "Obligation",
    "ObligationOwner",
    "Organ",
    "OrganAlias",
    "OrganPrefix",
    "Phase",
    "PlanTask",
    "ProcessJob",
    "RecipientGroup",
    "RecipientGroupMember",
    "RetentionSchedule",
    "SealRecord",
    "SearchOutbox",
    "Signoff",
    "Submission",
    "TaskAssignment",
    "TaskReport",
    "User",
    "WorkerBeat",
]


class SearchOutbox(Base):
    """A document whose search entry must be (re)built; written with the change, drained by a flow."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    set_aside_at: Mapped[dt.datetime | None]  # the index refused this document for good: last_error says why


class ArchiveRun(Base):
    """One annual archival run (年度归档): what it did, how long each stage took, its report."""

    __tablename__ = "archive_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default=ArchiveRunStatus.running.value)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stage_seconds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fonds_code: Mapped[str | None] = mapped_column(String(4))  # the one fonds it files; None: every fonds (admin)

    def move(self, to: ArchiveRunStatus) -> None:
        self.status = ARCHIVE_RUN_MOVES.move(self.status, to)


ARCHIVE_RUN_TRANSITIONS: dict[ArchiveRunStatus, frozenset[ArchiveRunStatus]] = {
    ArchiveRunStatus.running: frozenset({ArchiveRunStatus.done, ArchiveRunStatus.dry_run, ArchiveRunStatus.failed}),
    ArchiveRunStatus.done: frozenset(),
    ArchiveRunStatus.dry_run: frozenset(),
    ArchiveRunStatus.failed: frozenset(),
}
ARCHIVE_RUN_MOVES = StateMachine(
    ArchiveRunStatus, ARCHIVE_RUN_TRANSITIONS, "archive_run_state", "归档运行", "archive run"
)


class ArchiveItem(Base):
    """件: one archived unit with its 档号 (DA/T 22 §3.3), package digests and 四性 result."""

    __tablename__ = "archive_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    retention: Mapped[str] = mapped_column(String(4))
    organ_code: Mapped[str | None] = mapped_column(String(16))
    item_no: Mapped[int] = mapped_column(Integer)
    archival_code: Mapped[str] = mapped_column(String(64), unique=True)  # 档号
    title: Mapped[str] = mapped_column(Text)  # 题名
    doc_number: Mapped[str | None] = mapped_column(String(80))  # 文号
    responsible: Mapped[str] = mapped_column(Text)  # 责任者
    date: Mapped[str] = mapped_column(String(8))  # YYYYMMDD
    classification: Mapped[str] = mapped_column(String(8))  # 密级
    pages: Mapped[int] = mapped_column(Integer, default=0)
    remark: Mapped[str | None] = mapped_column(Text)
    document_ids: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(10), default=ArchiveItemStatus.numbered.value)
    package_prefix: Mapped[str] = mapped_column(Text)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    package_bytes: Mapped[int] = mapped_column(Integer, default=0)
    checks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("archive_runs.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    stored_at: Mapped[dt.datetime | None]
    fonds_code: Mapped[str] = mapped_column(String(4))  # 全宗号 of the fonds it is filed in (DOMAIN.md §3.7)
    is_copy: Mapped[bool] = mapped_column(Boolean, default=False)  # a co-issuer's copy of a joint document
    __table_args__ = (
        UniqueConstraint("fonds_code", "year", "retention", "organ_code", "item_no"),
        Index("ix_archive_items_browse", "fonds_code", "year", "retention", "organ_code"),
    )

    def move(self, to: ArchiveItemStatus) -> None:
        self.status = ARCHIVE_ITEM_MOVES.move(self.status, to)


ARCHIVE_ITEM_TRANSITIONS: dict[ArchiveItemStatus, frozenset[ArchiveItemStatus]] = {
    ArchiveItemStatus.numbered: frozenset({ArchiveItemStatus.stored}),
    ArchiveItemStatus.stored: frozenset(),
}
ARCHIVE_ITEM_MOVES = StateMachine(
    ArchiveItemStatus, ARCHIVE_ITEM_TRANSITIONS, "archive_item_state", "归档件", "archive item"
)


class ArchivedDocument(Base):
    """Which 件 a document was filed in: once in each fonds that keeps it (DOMAIN.md §3.7)."""

    __tablename__ = "archived_documents"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    fonds_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("archive_items.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # 正本 | 来文 …
    item: Mapped[ArchiveItem] = relationship()  # set instead of item_id, a 件 numbered with others is flushed once


class Fonds(Base):
    """全宗: the records of one 立档单位 (DOMAIN.md §3.7); its 全宗号 leads every 档号 of its 件."""

    __tablename__ = "fonds"
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"), unique=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)  # 全宗号
    name: Mapped[str] = mapped_column(String(200))  # 全宗名称
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organ: Mapped[Organ] = relationship()


class RetentionSchedule(Base):
    """One version of the 保管期限表 (DOMAIN.md §3.6): each change makes a new version with the whole table; the
    latest is in force from its creation."""

    __tablename__ = "retention_schedules"
    id: Mapped[int] = mapped_column(primary_key=True)  # the version
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)  # 文种 or kind → Y | D30 | D10
    changed_key: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str | None] = mapped_column(String(4))
    period: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FixityCheck(Base):
    """One fixity audit: every archived object re-read and its digest verified."""

    __tablename__ = "fixity_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    items_checked: Mapped[int] = mapped_column(Integer, default=0)
    files_checked: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list[Any]] = mapped_column(default=list)


class IncomingRecord(Base):
    """收文: one document that reached an organ, registered with its 收文号 and handled to 办结 (DOMAIN.md §1.5)."""

    __tablename__ = "incoming_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("organs.id"))  # the receiving organ
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)  # 收文号: gap-free per organ and year
    received_on: Mapped[dt.date] = mapped_column(Date)  # 收文日期
    origin: Mapped[str] = mapped_column(String(12))  # IncomingOrigin
    source_organ_id: Mapped[int | None] = mapped_column(ForeignKey("organs.id"))
    source_name: Mapped[str] = mapped_column(String(200))  # 来文机关, as registered
    doc_number: Mapped[str | None] = mapped_column(String(80))  # 文号
    title: Mapped[str] = mapped_column(Text)  # 标题
    classification: Mapped[str] = mapped_column(String(8), default=Classification.none.value)  # 密级
    urgency: Mapped[str] = mapped_column(String(8), default=Urgency.normal.value)  # 紧急程度
    copies: Mapped[int] = mapped_column(Integer, default=1)  # 份数
    nature: Mapped[str] = mapped_column(String(4))  # 阅件 | 办件
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    scan_key: Mapped[str | None] = mapped_column(Text)  # a paper document's scan in object storage
    scan_name: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=IncomingState.registered.value, index=True)
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # 办理时限
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    supervised_on: Mapped[dt.date | None] = mapped_column(Date)  # the last 督办
    result: Mapped[str | None] = mapped_column(Text)  # 办结 with the result
    reply_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))  # the 批复 closing a 请示
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organ: Mapped[Organ] = relationship(foreign_keys=[organ_id])
    lead_department: Mapped[Department | None] = relationship()
    parts: Mapped[list[IncomingPart]] = relationship(
        order_by="IncomingPart.id", cascade="all, delete-orphan", back_populates="record"
    )
    readers: Mapped[list[IncomingReader]] = relationship(
        order_by="IncomingReader.id", cascade="all, delete-orphan", back_populates="record"
    )
    steps: Mapped[list[IncomingStep]] = relationship(order_by="IncomingStep.id", cascade="all, delete-orphan")
    __table_args__ = (
        UniqueConstraint("organ_id", "year", "seq"),
        UniqueConstraint("organ_id", "document_id", name="uq_incoming_records_organ_document"),
        Index("ix_incoming_records_register", "organ_id", "state", "year"),
    )

    @property
    def number(self) -> str:
        return incoming_number(self.year, self.seq)

    def move(self, to: IncomingState) -> None:
        """The one way a 收文 record changes state: along INCOMING_TRANSITIONS, or refused."""
        self.state = INCOMING_MOVES.move(self.state, to)


# 登记 → 初审 (accept or return) → 拟办 → 批办 → 承办 / 传阅 → 办结 (DOMAIN.md §1.5). A 批复 closes a 请示 from
# any open step.
INCOMING_TRANSITIONS: dict[IncomingState, frozenset[IncomingState]] = {
    IncomingState.registered: frozenset({IncomingState.accepted, IncomingState.returned, IncomingState.closed}),
    IncomingState.accepted: frozenset({IncomingState.proposed, IncomingState.closed}),
    IncomingState.proposed: frozenset({IncomingState.handling, IncomingState.circulating, IncomingState.closed}),
    IncomingState.handling: frozenset({IncomingState.circulating, IncomingState.closed}),
    IncomingState.circulating: frozenset({IncomingState.closed}),
    IncomingState.closed: frozenset(),
    IncomingState.returned: frozenset(),
}
INCOMING_MOVES = StateMachine(IncomingState, INCOMING_TRANSITIONS, "incoming_illegal_state", "收文", "incoming record")


class IncomingPart(Base):
    """承办: one department's part of the handling; the lead (主办) department's part is the result."""

    __tablename__ = "incoming_parts"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("incoming_records.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(4))  # 主办 | 协办
    note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[dt.datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department: Mapped[Department] = relationship()
    done_by: Mapped[User | None] = relationship()
    record: Mapped[IncomingRecord] = relationship(back_populates="parts")
    __table_args__ = (UniqueConstraint("record_id", "department_id"),)


class IncomingReader(Base):
    """传阅: one named person the paper goes to, and when they 阅'd it."""

    __tablename__ = "incoming_readers"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("incoming_records.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    opinion: Mapped[str | None] = mapped_column(Text)
    user: Mapped[User] = relationship()
    record: Mapped[IncomingRecord] = relationship(back_populates="readers")
    __table_args__ = (UniqueConstraint("record_id", "user_id"),)


class IncomingStep(Base):
    """One decision on a 收文 by a named user (or the scheduled 督办), with opinion and time: the timeline."""

    __tablename__ = "incoming_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("incoming_records.id"), index=True)
    action: Mapped[str] = mapped_column(String(8))  # 登记 初审 退回 拟办 批办 承办 传阅 阅 督办 办结
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    opinion: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
