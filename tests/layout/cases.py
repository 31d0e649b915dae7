"""The documents the layout is measured on: the example joint notice with its plan, generated cases (single and
joint issuers, 上行文, 涉密, 信函, 命令, 纪要, a body ending at a page foot, long titles, many attachments) built from
the example documents, and the seed documents when ../shared/seeds is there (SEED_CASES). Shared by the layout
tests, the README gallery and `bench/render.py`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from services.imports.recognize import join_broken_lines
from services.rendering import grid
from services.rendering.body import paragraphs
from services.rendering.layout import LayoutEngine
from services.rendering.model import DocFormat, DocumentFacts, Signer, TextAttachment
from services.seed.texts import joint_notice, read_notice

MW = "扎兰屯市民族事务委员会"
TZB = "中共扎兰屯市委员会统一战线工作部"
XCB = "中共扎兰屯市委员会宣传部"
JYJ = "扎兰屯市教育局"
WLJ = "扎兰屯市文化旅游体育广电局"
GY = "广元市卫生健康委员会"
ZW = "中卫市卫生健康委员会"
ZLT_RECIPIENTS = "各乡镇、街道，市各部、委、办、局和各人民团体，市直属各企事业单位"
NOTICE = "现将《{plan}》印发给你们，请结合工作实际，认真组织实施。"


def seed_lines(seeds: Path, name: str) -> list[str]:
    text = (seeds / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()]


def seed_000(seeds: Path) -> DocumentFacts:
    lines = seed_lines(seeds, "000_f5685b8c87d13961.txt")
    plan_title = "中卫市卫生计生系统2018年“民族团结月”活动实施方案"
    plan = join_broken_lines([re.sub(r"^\s+", "", x) for x in lines[3:]])
    return DocumentFacts(
        format=DocFormat.document,
        title=f"{ZW}关于印发《{plan_title}》的通知",
        issuers=[ZW],
        doc_number="卫健发〔2018〕56号",
        written_on="2018年8月31日",
        paragraphs=paragraphs(NOTICE.format(plan=plan_title)),
        main_recipients="委属各医疗卫生单位，委机关各科室",
        attachment_notes=[plan_title],
        attachments=[TextAttachment(plan_title, paragraphs("\n".join(plan)))],
        printing_organ=f"{ZW}办公室",
        printed_on="2018年9月3日",
    )


def seed_001(seeds: Path) -> DocumentFacts:
    lines = [x for x in seed_lines(seeds, "001_fd6abae79f37e5e7.txt") if x]
    plan_title = "市卫生健康委创建全国民族团结进步示范市实施方案"
    start = next(i for i, x in enumerate(lines) if x.startswith("为充分激发"))
    end = next(i for i, x in enumerate(lines) if x.startswith("附件："))
    plan = join_broken_lines(lines[start:end])
    members = join_broken_lines(lines[end + 3 :])
    names_title = "广元市卫生健康委员会创建全国民族团结进步示范市领导小组成员名单"
    return DocumentFacts(
        format=DocFormat.document,
        title=f"{GY}关于印发《{plan_title}》的通知",
        issuers=[GY],
        doc_number="广卫发〔2022〕17号",
        written_on="2022年5月20日",
        paragraphs=paragraphs(f"现将《{plan_title}》印发给你们，请结合实际认真组织实施。"),
        main_recipients="委直属各单位，委注册医疗机构，委机关各科室",
        attachment_notes=[plan_title, names_title],
        attachments=[
            TextAttachment(plan_title, paragraphs("\n".join(plan))),
            TextAttachment(names_title, paragraphs("\n".join(members))),
        ],
        printing_organ=f"{GY}办公室",
        printed_on="2022年5月23日",
    )


def _second_script(lines: list[str], after: str) -> str:
    """The traditional Mongolian line typed under `after` in a bilingual 版头 ('' when there is none)."""
    found = [x for x in lines if x]
    at = found.index(after) if after in found else -1
    following = found[at + 1] if 0 <= at < len(found) - 1 else ""
    return following if following and all(not c.isalnum() or "\u1800" <= c <= "\u18af" for c in following) else ""


def seed_002(seeds: Path) -> DocumentFacts:
    seed = read_notice(seeds / "002_9f21baf2fe8408e4.txt")
    header = seed_lines(seeds, "002_9f21baf2fe8408e4.txt")[:20]
    return DocumentFacts(
        format=DocFormat.document,
        title=seed.title,
        issuers=[TZB, XCB, MW],
        doc_number="扎民委字〔2024〕32号",
        written_on="2024年9月5日",
        paragraphs=paragraphs(seed.body),
        main_recipients=ZLT_RECIPIENTS,
        attachment_notes=[seed.plan_title],
        attachments=[TextAttachment(seed.plan_title, paragraphs(seed.plan_text))],
        copy_to=["中共扎兰屯市委员会"],
        printing_organ=f"{MW}办公室",
        printed_on="2024年9月6日",
        issuers_alt=[_second_script(header, name) for name in (TZB, XCB, MW)],
        logo_word_alt=_second_script(header, "文件"),
    )


def seed_003_report(seeds: Path) -> DocumentFacts:
    """篇1 of seed 003 (an activity-month summary) sent up as a 报告 with its 签发人."""
    lines = [x for x in seed_lines(seeds, "003_2c39cbd74fc47a28.txt") if x]
    start = lines.index("关于2024年民族团结进步宣传月活动总结 篇1") + 1
    end = lines.index("关于2024年民族团结进步宣传月活动总结 篇2")
    return DocumentFacts(
        format=DocFormat.document,
        title=f"{GY}关于2024年民族团结进步宣传月活动的报告",
        issuers=[GY],
        doc_number="广卫报〔2024〕9号",
        written_on="2024年10月8日",
        paragraphs=paragraphs("\n".join(lines[start:end])),
        upward=True,
        signers=[Signer("刘峰")],
        main_recipients="广元市人民政府",
        printing_organ=f"{GY}办公室",
        printed_on="2024年10月9日",
    )


def seed_004_plan(seeds: Path) -> DocumentFacts:
    """篇一 of seed 004 (a creation-activity plan) 印发ed by a notice."""
    lines = [x for x in seed_lines(seeds, "004_539d22c94d2238a6.txt") if x]
    start = lines.index("政协民族团结进步创建活动方案篇一") + 1
    end = lines.index("政协民族团结进步创建活动方案篇二")
    title = "民族团结进步宣传月活动实施方案"
    return DocumentFacts(
        format=DocFormat.document,
        title=f"{MW}关于印发《{title}》的通知",
        issuers=[MW],
        doc_number="扎民委字〔2024〕40号",
        written_on="2024年10月12日",
        paragraphs=paragraphs(NOTICE.format(plan=title)),
        main_recipients=ZLT_RECIPIENTS,
        attachment_notes=[title],
        attachments=[TextAttachment(title, paragraphs("\n".join(join_broken_lines(lines[start:end]))))],
        printing_organ=f"{MW}办公室",
        printed_on="2024年10月12日",
    )


def _notice(issuers: list[str], title: str, body: str, **more: object) -> DocumentFacts:
    facts = DocumentFacts(
        format=DocFormat.document,
        title=title,
        issuers=issuers,
        doc_number="扎民委字〔2024〕33号",
        written_on="2024年9月10日",
        paragraphs=paragraphs(body),
        main_recipients=ZLT_RECIPIENTS,
        printing_organ=f"{MW}办公室",
        printed_on="2024年9月11日",
    )
    return replace(facts, **more)  # type: ignore[arg-type]


def example_notice() -> DocumentFacts:
    """The example joint notice (扎民委字〔2025〕27号) with its plan of twelve tasks as 附件."""
    notice = joint_notice()
    return DocumentFacts(
        format=DocFormat.document,
        title=notice.title,
        issuers=[TZB, XCB, MW],
        doc_number="扎民委字〔2025〕27号",
        written_on="2025年8月26日",
        paragraphs=paragraphs(notice.body),
        main_recipients=notice.main_line,
        attachment_notes=[notice.plan_title],
        attachments=[TextAttachment(notice.plan_title, paragraphs(notice.plan_text))],
        copy_to=["中共扎兰屯市委员会"],
        printing_organ=f"{MW}办公室",
        printed_on="2025年8月27日",
    )


def plan_paragraphs(count: int) -> str:
    return "\n".join(p.text for p in paragraphs(joint_notice().plan_text)[:count])


def joint(issuers: list[str]) -> DocumentFacts:
    title = "关于做好2024年民族团结进步活动月宣传报道工作的通知"
    return _notice(issuers, title, plan_paragraphs(6), copy_to=["中共扎兰屯市委员会", "扎兰屯市人民政府"])


def upward_request() -> DocumentFacts:
    body = (
        "为做好创建全国民族团结进步示范市工作，我委拟于2022年6月举办全市卫生健康系统民族团结进步专题培训，"
        "所需经费3.2万元，请予拨付。妥否，请批示。"
    )
    return DocumentFacts(
        format=DocFormat.document,
        title="关于请求拨付专题培训经费的请示",
        issuers=[GY],
        doc_number="广卫〔2022〕21号",
        written_on="2022年5月25日",
        paragraphs=paragraphs(body),
        upward=True,
        signers=[Signer("刘峰")],
        main_recipients="广元市人民政府",
        printing_organ=f"{GY}办公室",
        printed_on="2022年5月26日",
    )


def upward_joint() -> DocumentFacts:
    facts = joint([MW, TZB])
    return replace(
        facts,
        title="关于2024年民族团结进步活动月工作情况的报告",
        upward=True,
        signers=[Signer("王帅"), Signer("杨婉婷")],
        main_recipients="呼伦贝尔市民族事务委员会",
        copy_to=[],
    )


def secret() -> DocumentFacts:
    return replace(
        joint([MW]),
        copy_number="000001",
        secrecy="机密★1年",
        urgency="特急",
        title="关于做好重要活动安全保卫工作的通知",
    )


def letter() -> DocumentFacts:
    body = (
        "为做好第41个全区民族团结进步活动月宣传工作，我委拟于9月中旬在中东铁路博物馆二号馆举办民族手工艺品、"
        "非遗文化观展活动，恳请贵局协助做好场地布置和安全保障工作。请于9月12日前函复。"
    )
    return DocumentFacts(
        format=DocFormat.letter,
        title=f"{MW}关于商请协助举办民族手工艺品观展活动的函",
        issuers=[MW],
        doc_number="扎民委函〔2024〕5号",
        written_on="2024年9月6日",
        paragraphs=paragraphs(body),
        main_recipients="扎兰屯市文化旅游体育广电局",
        printing_organ=f"{MW}办公室",
        printed_on="2024年9月6日",
    )


def order() -> DocumentFacts:
    body = (
        "《扎兰屯市民族团结进步示范单位评选办法》已经2024年9月2日市人民政府第12次常务会议通过，现予公布，"
        "自2024年10月1日起施行。"
    )
    return DocumentFacts(
        format=DocFormat.order,
        title="扎兰屯市人民政府令",
        issuers=["扎兰屯市人民政府"],
        doc_number="扎政令〔2024〕3号",
        order_number="第3号",
        written_on="2024年9月9日",
        paragraphs=paragraphs(body),
        signers=[Signer("", "市长")],
        copy_to=["呼伦贝尔市人民政府"],
        printing_organ="扎兰屯市人民政府办公室",
        printed_on="2024年9月10日",
    )


def minutes() -> DocumentFacts:
    body = plan_paragraphs(3) + (
        "\n出席：市委统战部、市委宣传部、市民委、市教育局、市文旅广电局、市卫健委、市公安局、市统计局、市总工会、"
        "团市委、市妇联主要负责同志\n列席：各乡镇、街道分管负责同志"
    )
    return DocumentFacts(
        format=DocFormat.minutes,
        title="扎兰屯市民族团结进步活动月工作协调会议纪要",
        issuers=[MW],
        doc_number="第3期",
        written_on="2024年9月4日",
        paragraphs=paragraphs(body),
        copy_to=["中共扎兰屯市委员会", "扎兰屯市人民政府"],
        printing_organ=f"{MW}办公室",
        printed_on="2024年9月4日",
        sealed=False,
    )


def long_title() -> DocumentFacts:
    title = (
        "中共扎兰屯市委员会统一战线工作部、中共扎兰屯市委员会宣传部、扎兰屯市民族事务委员会关于进一步加强新时代"
        "民族团结进步宣传教育工作推动铸牢中华民族共同体意识走深走实的实施意见"
    )
    return replace(joint([TZB, XCB, MW]), title=title)


def many_attachments() -> DocumentFacts:
    notes = [
        "扎兰屯市第42个全区民族团结进步活动月重点活动及任务分工表",
        "活动月启动仪式暨“同心杯”全民健步走活动安排",
        "党员干部专题读书班学习安排",
        "“石榴籽”宣讲小分队成员名单及宣讲场次表",
        "“民族团结进校园”主题活动安排",
        "“健康义诊进村屯”义诊队组成及村屯安排表",
        "“北疆印象”民族团结进步摄影展征稿启事",
        "法治宣传和反诈宣传进社区活动安排",
        "“中秋邻里节”活动各社区联系人名单及联系方式汇总表",
        "“数说扎兰屯”统计图解发布计划",
        "职工民族团结趣味运动会竞赛规程",
        "活动月工作总结报送提纲",
    ]
    plan = joint_notice()
    lengths = (3, 6, 7)  # each ends with a body paragraph, not a heading
    attachments = [TextAttachment(n, paragraphs(plan_paragraphs(k))) for n, k in zip(notes, lengths, strict=False)]
    facts = joint([MW])
    return replace(facts, attachment_notes=notes, attachments=attachments, title=plan.title)


def page_foot(engine: LayoutEngine) -> DocumentFacts:
    """A body whose last line is the last line of page 2: the signature block cannot follow it there."""
    base = joint([MW])
    filler = "各单位要结合实际组织开展民族团结进步宣传教育活动。"  # one line
    for count in range(1, 80):
        facts = replace(base, paragraphs=paragraphs("\n".join([filler] * count)))
        if engine.body_end(facts) == (1, grid.LINES - 1):
            return facts
    raise AssertionError("no body length ends at a page foot")


def blank_before_colophon(engine: LayoutEngine) -> DocumentFacts:
    """Content ending low on an even page: the 版记 needs a page of its own, so a blank page goes before it."""
    base = joint([MW])
    filler = "各单位要结合实际组织开展民族团结进步宣传教育活动。"  # one line
    for count in range(1, 80):
        facts = replace(base, paragraphs=paragraphs("\n".join([filler] * count)))
        if any(page.kind == "blank" for page in engine.compose(facts).pages):
            return facts
    raise AssertionError("no body length leaves the last even page without room for the 版记")


def recipients_in_colophon() -> DocumentFacts:
    """So many 主送 units that page 1 could show no body text: they move to the 版记 (GB/T 9704 §7.3.2)."""
    units = "、".join(f"{town}人民政府" for town in ["成吉思汗镇", "高台子街道办事处", "扎兰屯市教育局"] * 12)
    return replace(joint([MW]), main_recipients=units)


# Cases of the project's own: always laid out.
CASES: dict[str, Callable[[LayoutEngine], DocumentFacts]] = {
    "example-notice": lambda e: example_notice(),
    "single": lambda e: joint([MW]),
    "joint-2": lambda e: joint([TZB, MW]),
    "joint-3": lambda e: joint([TZB, XCB, MW]),
    "joint-5": lambda e: joint([TZB, XCB, MW, JYJ, WLJ]),
    "upward-request": lambda e: upward_request(),
    "upward-joint": lambda e: upward_joint(),
    "secret": lambda e: secret(),
    "letter": lambda e: letter(),
    "order": lambda e: order(),
    "minutes": lambda e: minutes(),
    "long-title": lambda e: long_title(),
    "many-attachments": lambda e: many_attachments(),
    "page-foot": page_foot,
    "recipients-in-colophon": lambda e: recipients_in_colophon(),
    "blank-before-colophon": blank_before_colophon,
}
# The seed documents (../shared/seeds beside the project): laid out when they are there.
SEED_CASES: dict[str, Callable[[Path], DocumentFacts]] = {
    "seed-000": seed_000,
    "seed-001": seed_001,
    "seed-002": seed_002,
    "seed-003-report": seed_003_report,
    "seed-004-plan": seed_004_plan,
}


def build(name: str, seeds: Path, engine: LayoutEngine) -> DocumentFacts:
    """The facts of a case by its name (a seed case reads its seed from ``seeds``)."""
    return SEED_CASES[name](seeds) if name in SEED_CASES else CASES[name](engine)
