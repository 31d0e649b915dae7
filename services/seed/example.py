"""Example data: the example organs and users, and the project's own joint notice (services/seed/documents/) at
every stage of its life.

Loaded by `gongwen up` on first start so a new user sees a joint document drafted, in review, being signed
(with a rejection and a revision), issued and distributed, with receipts, a report-back and a chase.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from sqlalchemy import func, select

from services.accounts.departments import DepartmentService
from services.accounts.groups import GroupService
from services.accounts.service import SYSTEM, OrganService, UserService
from services.context import Context
from services.distribution.service import DistributionService
from services.documents.schemas import AttachmentUpload, DraftInput
from services.documents.service import DocumentService
from services.domain.models import Organ, User
from services.obligations.proposal import propose
from services.obligations.service import ObligationService
from services.runtime import Runtime
from services.seed.texts import Notice, Summary, joint_notice, summaries
from services.workflow.registrar import RegistrarService, Registration
from services.workflow.service import WorkflowService

DEMO_PASSWORD = "gongwen-demo"  # example data only; README says so

# (code, full name, short name, {发文形式: 机关代字}, parent code). 扎民委字 is the joint notice's; 广卫发 seed 001's.
ORGANS: list[tuple[str, str, str, dict[str, str], str | None]] = [
    ("zlt-sw", "中共扎兰屯市委员会", "扎兰屯市委", {"发": "扎党发"}, None),
    ("zlt-tzb", "中共扎兰屯市委员会统一战线工作部", "市委统战部", {"发": "扎统发"}, "zlt-sw"),
    ("zlt-xcb", "中共扎兰屯市委员会宣传部", "市委宣传部", {"发": "扎宣发"}, "zlt-sw"),
    ("zlt-mw", "扎兰屯市民族事务委员会", "市民委", {"字": "扎民委字", "函": "扎民委函"}, None),
    ("zlt-jyj", "扎兰屯市教育局", "市教育局", {}, None),
    ("zlt-wjw", "扎兰屯市卫生健康委员会", "市卫健委", {}, None),
    ("zlt-wlj", "扎兰屯市文化旅游体育广电局", "市文旅广电局", {}, None),
    ("zlt-gaj", "扎兰屯市公安局", "市公安局", {}, None),
    ("zlt-tjj", "扎兰屯市统计局", "市统计局", {}, None),
    ("zlt-zgh", "扎兰屯市总工会", "市总工会", {}, None),
    ("zlt-gtz", "扎兰屯市高台子街道办事处", "高台子街道", {}, None),
    ("zlt-cjsh", "扎兰屯市成吉思汗镇人民政府", "成吉思汗镇", {}, None),
    ("gy-wjw", "广元市卫生健康委员会", "广元市卫健委", {"发": "广卫发"}, None),
    ("zw-wjw", "中卫市卫生健康委员会", "中卫市卫健委", {"发": "卫健发"}, None),
    # Seed 001's units: the six hospitals named for weekly reports, another 委直属 unit, a 委机关 office.
    ("gy-zxyy", "广元市中心医院", "市中心医院", {}, "gy-wjw"),
    ("gy-dyyy", "广元市第一人民医院", "市第一人民医院", {}, "gy-wjw"),
    ("gy-zyyy", "广元市中医医院", "市中医医院", {}, "gy-wjw"),
    ("gy-jwzx", "广元市精神卫生中心", "市精神卫生中心", {}, "gy-wjw"),
    ("gy-cdc", "广元市疾病预防控制中心", "市疾病预防控制中心", {}, "gy-wjw"),
    ("gy-fyy", "广元市妇幼保健院", "市妇幼保健院", {}, "gy-wjw"),
    ("gy-zfzd", "广元市卫生健康综合行政执法支队", "市卫生健康综合行政执法支队", {}, "gy-wjw"),
    ("gy-jgdb", "广元市卫生健康委员会机关党办", "委机关党办", {}, "gy-wjw"),
    # 市教育局's superior: its 请示 go up to the 市政府 and come back answered by a 批复.
    ("zlt-zf", "扎兰屯市人民政府", "市政府", {"发": "扎政发", "函": "扎政函"}, None),
]
# Superiors set once both organs exist (the list keeps every organ's place, and so its id): 市民委's 请示 go up to
# the 市委 (the 统一战线 line of seed 002's issuers), 市教育局's to the 市政府.
SUPERIORS = {"zlt-jyj": "zlt-zf", "zlt-mw": "zlt-sw"}
# 机关代字 of organs that draft as well as receive.
PREFIXES = {"zlt-jyj": {"发": "扎教发"}}
# 内设机构 (科室) and the example users who belong to them.
DEPARTMENTS: dict[str, list[str]] = {
    "zlt-mw": ["办公室", "民族工作股", "政策法规股"],
    "zlt-jyj": ["办公室", "基础教育股", "计划财务股"],
    "zlt-zf": ["秘书科", "文教科", "财务科"],
}
MEMBERS = {
    "mw.reviewer": "办公室", "mw.registrar": "办公室", "mw.drafter": "民族工作股",
    "jyj.reviewer": "办公室", "jyj.registrar": "办公室", "jyj.drafter": "基础教育股",
    "zf.reviewer": "秘书科", "zf.registrar": "秘书科", "zf.drafter": "文教科",
}  # fmt: skip
GY_HOSPITALS = ["gy-zxyy", "gy-dyyy", "gy-zyyy", "gy-jwzx", "gy-cdc", "gy-fyy"]
# 单位分组 as the documents address them (seed 001's 主送 line; the joint notice's 主送 line and task units), with
# the other ways plans write them (seed 002: 各市直部门 and 市直各部门 in one text).
GROUPS: list[tuple[str, list[str], list[str]]] = [
    ("委直属各单位", [*GY_HOSPITALS, "gy-zfzd"], ["各委直属单位", "委直属单位"]),
    ("委机关各科室", ["gy-jgdb"], ["委机关科室"]),
    ("各乡镇、街道", ["zlt-gtz", "zlt-cjsh"], ["各乡镇街道", "乡镇街道", "各乡镇（街道）"]),
    ("市直各部门", ["zlt-jyj", "zlt-wjw", "zlt-wlj", "zlt-gaj", "zlt-tjj"], ["各市直部门", "市直部门"]),
]
# The people behind example accounts, where a seed names them (seed 001: 广元市卫健委's 主任).
PEOPLE = {"gy-wjw.head": ("刘峰", "市卫生健康委党组书记、主任")}
# Other names people type for these organs (short forms in seed 002's text and signature block, former names).
ALIASES: dict[str, list[str]] = {
    "zlt-sw": ["扎兰屯市委", "中共扎兰屯市委", "市委"],
    "zlt-tzb": ["统战部", "扎兰屯市委统战部", "中共扎兰屯市委统战部"],
    "zlt-xcb": ["宣传部", "扎兰屯市委宣传部", "中共扎兰屯市委宣传部"],
    "zlt-mw": ["民委", "扎兰屯市民委", "扎兰屯市民族宗教事务局"],
    "zlt-jyj": ["教育局"],
    "zlt-wjw": ["扎兰屯市卫健委"],
    "zlt-wlj": ["市文旅局", "市文体旅游广电局", "市文旅广电局", "扎兰屯市文旅广电局"],
    "zlt-gtz": ["高台子街道办事处"],
    "zlt-cjsh": ["成吉思汗镇人民政府"],
    "gy-wjw": ["广元市卫生健康委"],
    "zw-wjw": ["中卫市卫生计生委", "中卫市卫生和计划生育委员会"],
}
GATED = ("zlt-mw",)  # 市民委 issues through its registrar (复核, 登记, 用印, 核发); the others automatically
RECIPIENTS = ["zlt-jyj", "zlt-wjw", "zlt-wlj", "zlt-gaj", "zlt-tjj", "zlt-zgh", "zlt-gtz", "zlt-cjsh"]
ROLE_SETS = {
    "drafter": ["drafter"],
    "reviewer": ["reviewer"],
    "head": ["signer"],
    "registrar": ["registrar"],
}


def has_data(ctx: Context) -> bool:
    return bool(ctx.session.scalar(select(func.count(Organ.id))))


def load_organs_and_users(ctx: Context, gated: Collection[str] = ()) -> None:
    """The example organs and their users; the organs named in ``gated`` (by code) have the registrar's gate on,
    the others issue automatically after the last signature."""
    organs = OrganService(ctx)
    users = UserService(ctx)
    by_code: dict[str, Organ] = {}
    for code, name, short, prefixes, parent in ORGANS:
        parent_id = by_code[parent].id if parent else None
        prefixes = {**prefixes, **PREFIXES.get(code, {})}
        by_code[code] = organs.create(
            SYSTEM, code, name, short, prefixes, parent_id, aliases=ALIASES.get(code, ()), registrar_gate=code in gated
        )
    for code, superior in SUPERIORS.items():
        by_code[code].parent_id = by_code[superior].id
    for code, organ in by_code.items():
        short = code.removeprefix("zlt-")
        for suffix, roles in ROLE_SETS.items():
            users.create(f"{short}.{suffix}", f"{organ.short_name}{_ROLE_ZH[suffix]}", organ.id, roles, DEMO_PASSWORD)
    for name, codes, aliases in GROUPS:
        GroupService(ctx).create(None, name, [by_code[c].id for c in codes], aliases)
    admin_organ = by_code["zlt-mw"]
    for username, (person, job) in PEOPLE.items():
        users.set_person(user(ctx, username).id, person, job)
    users.create("admin", "系统管理员", admin_organ.id, ["admin"], DEMO_PASSWORD, "绝密")
    users.create("archivist", "档案员", admin_organ.id, ["archivist"], DEMO_PASSWORD, "机密")
    load_departments(ctx, by_code)


def load_departments(ctx: Context, by_code: dict[str, Organ]) -> None:
    departments = DepartmentService(ctx)
    made = {
        (code, name): departments.create(None, by_code[code].id, name)
        for code, names in DEPARTMENTS.items()
        for name in names
    }
    for username, department in MEMBERS.items():
        member = user(ctx, username)
        code = next(c for c, o in by_code.items() if o.id == member.organ_id)
        departments.assign(None, member.id, made[(code, department)].id)


_ROLE_ZH = {"drafter": "拟稿人", "reviewer": "办公室审核", "head": "负责人", "registrar": "登记员"}


def user(ctx: Context, username: str) -> User:
    found = ctx.session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return found


ISSUERS = ("zlt-tzb", "zlt-xcb", "zlt-mw")  # the joint notice's: 市民委 leads (扎民委字)
# What the joint notice asks back (工作要求 (三)): each unit's 总结 with photos, where to send it, whom to ask.
REPORT_TITLE = "活动月工作总结"
REPORT_MATERIALS = ["活动月工作总结", "图片资料"]
REPORT_METHOD = "报送至扎兰屯市民族事务委员会民族工作股，电子版通过电子政务外网同步报送"
REPORT_CONTACT = "市民委民族工作股 0470-0000000"


def joint_notice_draft(ctx: Context, notice: Notice, deadline: dt.date, with_tasks: bool = False) -> DraftInput:
    """The joint notice as a draft: its 主送 line as written, its one obligation (总结 and photos by the deadline)
    and, when asked, its task lines with their responsible units as recognised from the plan."""
    organs = OrganService(ctx)
    issuers = [organs.by_code(c).id for c in ISSUERS]
    main = [organs.by_code(c).id for c in RECIPIENTS]
    tasks = []
    if with_tasks:
        found = propose(ctx, notice.plan_text, deadline.year, set(main), set(issuers))
        tasks = [{"text": t["text"], "units": t["units"], "units_text": t["units_text"]} for t in found.tasks]
        tasks = [t for t in tasks if t["units"]]
    return DraftInput(
        doc_type="通知",
        title=notice.title,
        issue_form="字",
        issuers=issuers,
        main_recipients=main,
        main_recipients_text=notice.main_line,
        copy_recipients=[organs.by_code("zlt-sw").id],
        attachment_notes=[notice.plan_title],
        printing_organ="扎兰屯市民族事务委员会办公室",
        obligations=[
            {
                "title": REPORT_TITLE,
                "materials": REPORT_MATERIALS,
                "due_on": deadline,
                "method": REPORT_METHOD,
                "contact": REPORT_CONTACT,
            }
        ],
        tasks=tasks,
        body=notice.body,
    )


Step = Callable[[], None]


def load_examples(runtime: Runtime, drain: Step) -> list[int]:
    """Load organs, users and the joint notice at each stage; `drain` runs the due automated steps (Prefect
    flows). The documents are read first: when they cannot be (a broken install) this raises and loads nothing."""
    notice = joint_notice()
    wjw_report = next(s for s in summaries() if s.title.startswith("扎兰屯市卫生健康委员会"))
    with runtime.context() as ctx:
        if has_data(ctx):
            return []
        load_organs_and_users(ctx, gated=GATED)
    with runtime.context() as ctx:
        deadline = ctx.today() + dt.timedelta(days=10)
    stages = ["draft", "in_review", "signing", "distributed"]
    ids = [_create(runtime, notice, deadline) for _ in stages]
    _act(runtime, lambda c: [WorkflowService(c).submit(user(c, "mw.drafter"), i) for i in ids[1:]])
    drain()
    _act(
        runtime,
        lambda c: [WorkflowService(c).review(user(c, "mw.reviewer"), i, True, "格式规范，同意") for i in ids[2:]],
    )
    signing, done = ids[2], ids[3]
    _act(runtime, lambda c: WorkflowService(c).decide_signoff(user(c, "tzb.head"), signing, True, "同意"))
    _act(
        runtime,
        lambda c: WorkflowService(c).decide_signoff(
            user(c, "xcb.head"), signing, False, "请在工作要求中补充宣传报道的报送时限"
        ),
    )
    _revise(runtime, signing, notice)
    _act(runtime, lambda c: WorkflowService(c).submit(user(c, "mw.drafter"), signing))
    drain()
    _act(runtime, lambda c: WorkflowService(c).review(user(c, "mw.reviewer"), signing, True, "已按意见修改"))
    _act(runtime, lambda c: WorkflowService(c).decide_signoff(user(c, "tzb.head"), signing, True, "同意"))
    for head in ("tzb.head", "xcb.head", "mw.head"):
        _sign(runtime, head, done)
    _through_registrar(runtime, done)
    drain()
    _received_reported_and_chased(runtime, done, wjw_report)
    return ids


def _received_reported_and_chased(runtime: Runtime, done: int, wjw_report: Summary) -> None:
    """The distributed notice: 签收ed by two units, 市卫健委's summary reported with a photo, a chase of the rest."""
    _act(runtime, lambda c: DistributionService(c).receive(user(c, "jyj.drafter"), done))
    _act(runtime, lambda c: DistributionService(c).receive(user(c, "wjw.drafter"), done))
    photo = AttachmentUpload(title="村屯义诊照片", filename="yizhen.png", content_type="image/png", data=tiny_png())
    _act(
        runtime,
        lambda c: ObligationService(c).report(
            user(c, "wjw.drafter"), _first_obligation(c, done), None, wjw_report.title, wjw_report.body, [photo]
        ),
    )
    _act(runtime, lambda c: ObligationService(c).chase_now(user(c, "mw.registrar"), _first_obligation(c, done), None))


def _through_registrar(runtime: Runtime, document_id: int) -> None:
    """市民委's registrar: 复核, 登记 (分送范围 as signed, 30 copies), 用印 of the three seals, 核发."""
    _act(runtime, lambda c: RegistrarService(c).recheck(user(c, "mw.registrar"), document_id, "文字无误"))
    with runtime.context() as ctx:
        document = DocumentService(ctx).get(document_id)
        recipients = [r.organ_id for r in document.recipients]
        seals = {i.organ_id: f"{i.organ.short_name}办公室" for i in document.issuers}
        RegistrarService(ctx).register(user(ctx, "mw.registrar"), document_id, Registration(recipients, 30))
    _act(runtime, lambda c: RegistrarService(c).seal(user(c, "mw.registrar"), document_id, seals))
    _act(runtime, lambda c: RegistrarService(c).release(user(c, "mw.registrar"), document_id))


def _first_obligation(ctx: Context, document_id: int) -> int:
    return DocumentService(ctx).get(document_id).obligations[0].id


def _create(runtime: Runtime, notice: Notice, deadline: dt.date) -> int:
    with runtime.context() as ctx:
        drafter = user(ctx, "mw.drafter")
        draft = joint_notice_draft(ctx, notice, deadline, with_tasks=True)
        document = DocumentService(ctx).create_draft(drafter, draft)
        plan = AttachmentUpload(
            title=notice.plan_title,
            filename=f"{notice.plan_title}.txt",
            content_type="text/plain; charset=utf-8",
            data=notice.plan_text.encode(),
        )
        DocumentService(ctx).add_attachment(drafter, document.id, plan)
        return document.id


def _sign(runtime: Runtime, head: str, document_id: int) -> None:
    with runtime.context() as ctx:
        WorkflowService(ctx).decide_signoff(user(ctx, head), document_id, True, "同意")


def _revise(runtime: Runtime, document_id: int, notice: Notice) -> None:
    with runtime.context() as ctx:
        service = DocumentService(ctx)
        document = service.get(document_id)
        due = document.obligations[0].due_on if document.obligations else None
        draft = joint_notice_draft(ctx, notice, due or ctx.today(), with_tasks=True)
        draft.body = notice.body + "各单位宣传报道材料请于每项活动结束后5个工作日内报送。"
        draft.note = "按市委宣传部意见补充宣传报道报送时限"
        draft.base_version = document.current_version
        service.save(user(ctx, "mw.drafter"), document_id, draft)


def _act(runtime: Runtime, action: Callable[[Context], object]) -> None:
    with runtime.context() as ctx:
        action(ctx)


def tiny_png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    )
