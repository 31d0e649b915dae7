"""Automatic format checks of 审核 (条例 Art. 20; DOMAIN.md §1.2–1.4, §2.3). Pure functions over a draft."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from search.analysis import find_doc_numbers, normalize
from services.domain.enums import UPWARD_DOC_TYPES, Classification, DocType
from services.rendering.fonts import PRINTABLE, unprintable_message


@dataclass(frozen=True)
class CheckResult:
    code: str
    passed: bool
    blocking: bool
    zh: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DraftView:
    """What the checks read: the fields, the body and the attachment titles of one version."""

    doc_type: str
    title: str
    body: str
    issuer_ids: list[int]
    lead_organ_id: int
    main_recipient_ids: list[int]
    copy_recipient_ids: list[int]
    attachment_notes: list[str]
    attachment_titles: list[str]
    classification: str
    secrecy_period: str | None
    lead_subordinate_ids: set[int]
    lead_prefixes: list[str]
    organ_names: dict[int, str] = field(default_factory=dict)  # for messages that name the organs concerned
    unprintable: list[str] = field(default_factory=list)  # characters no installed face can draw


def _result(code: str, passed: bool, zh: str, en: str, blocking: bool = True) -> CheckResult:
    return CheckResult(code, passed, blocking, zh, en)


TITLE_ENDINGS = {"命令": ("命令", "令"), "令": ("令",)}  # 命令(令): “…人民政府令” is a 命令's title


def check_title_ends_with_doc_type(d: DraftView) -> CheckResult:
    """标题 = 发文机关名称 + 事由 + 文种 (Art. 9)."""
    endings = TITLE_ENDINGS.get(d.doc_type, (d.doc_type,))
    title = d.title.rstrip()
    ok = title.endswith(endings)
    wanted = "”或“".join(endings)
    tail = "…" + title[-8:] if len(title) > 8 else title
    return _result(
        "title_ends_with_doc_type",
        ok,
        f"标题应以文种“{wanted}”结尾，现以“{tail}”结尾",
        f"the title must end with its 文种 '{' or '.join(endings)}'; it ends with '{tail}'",
    )


def check_qingshi_single_main(d: DraftView) -> CheckResult:
    """上行文主送一个上级机关; 请示一文一事 (DOMAIN.md §1.3)."""
    ok = d.doc_type != DocType.请示 or len(d.main_recipient_ids) == 1
    names = "、".join(d.organ_names.get(o, f"#{o}") for o in d.main_recipient_ids) or "无"
    return _result(
        "qingshi_one_main_recipient",
        ok,
        f"请示只能主送一个上级机关，现主送 {len(d.main_recipient_ids)} 个：{names}",
        f"a 请示 has exactly one 主送 organ; it has {len(d.main_recipient_ids)}: {names}",
    )


def check_has_main_recipient(d: DraftView) -> CheckResult:
    needs = d.doc_type not in {DocType.公告, DocType.通告, DocType.公报, DocType.纪要, DocType.决议}
    ok = not needs or bool(d.main_recipient_ids)
    return _result("main_recipient_present", ok, "缺少主送机关", "no 主送 organ is given")


def check_attachment_notes_match(d: DraftView) -> CheckResult:
    """附件说明 lists exactly the attachments, in order, without punctuation after the names (GB/T 9704 §2.2)."""
    notes = [normalize(n).strip().rstrip("。.；;") for n in d.attachment_notes]
    titles = [normalize(t).strip() for t in d.attachment_titles]
    ok = notes == titles
    zh, en = _attachment_difference(notes, titles) if not ok else ("", "")
    return _result("attachment_notes_match", ok, f"附件说明与所附附件不一致：{zh}", f"附件说明 ≠ attachments: {en}")


def _attachment_difference(notes: list[str], titles: list[str]) -> tuple[str, str]:
    """What differs, by name: listed but not attached, attached but not listed, or the same names out of order."""
    listed_only = [n for n in notes if n not in titles]
    attached_only = [t for t in titles if t not in notes]
    zh: list[str] = []
    en: list[str] = []
    if listed_only:
        zh.append("附件说明列有而未附：" + "、".join(f"“{n}”" for n in listed_only))
        en.append("listed, not attached: " + ", ".join(listed_only))
    if attached_only:
        zh.append("已附而附件说明未列：" + "、".join(f"“{t}”" for t in attached_only))
        en.append("attached, not listed: " + ", ".join(attached_only))
    if not zh:
        zh.append(f"顺序或项数不同（附件说明：{'、'.join(notes)}；所附附件：{'、'.join(titles)}）")
        en.append(f"order or count differs (listed: {', '.join(notes)}; attached: {', '.join(titles)})")
    return "；".join(zh), "; ".join(en)


def check_no_typed_doc_number(d: DraftView) -> CheckResult:
    """The 发文字号 is allocated at 登记; a draft must not carry one of the issuer's own sequences."""
    typed = [raw for number, raw in find_doc_numbers(d.title + "\n" + d.body) if number.prefix in d.lead_prefixes]
    return _result(
        "no_typed_doc_number",
        not typed,
        f"草稿中不得手工填写本机关发文字号：{'、'.join(typed)}",
        f"the draft carries a hand-typed 发文字号 of the issuer: {', '.join(typed)}",
    )


def check_upward_copy_rule(d: DraftView) -> CheckResult:
    """上行文 never 抄送 the sender's subordinates (DOMAIN.md §1.3)."""
    upward = d.doc_type in UPWARD_DOC_TYPES
    bad = [o for o in d.copy_recipient_ids if o in d.lead_subordinate_ids] if upward else []
    names = "、".join(d.organ_names.get(o, f"#{o}") for o in bad)
    return _result(
        "upward_no_copy_to_subordinates",
        not bad,
        f"上行文不得抄送下级机关：{names}" if bad else "上行文不得抄送下级机关",
        f"an upward document is never copied to subordinates: {names}" if bad else "no copy to subordinates",
    )


def check_secrecy_period(d: DraftView) -> CheckResult:
    needs = d.classification != Classification.none.value
    ok = not needs or bool(d.secrecy_period)
    return _result("secrecy_period_present", ok, "涉密公文须标注保密期限", "a classified document needs its 保密期限")


def check_body_present(d: DraftView) -> CheckResult:
    return _result("body_present", bool(d.body.strip()), "正文为空", "the body is empty")


def check_report_carries_no_request(d: DraftView) -> CheckResult:
    """报告不得夹带请示事项 (DOMAIN.md §1.3); reported as a warning, a reviewer decides."""
    asks = d.doc_type == DocType.报告 and any(p in d.body for p in ("请批示", "请审批", "请批准", "妥否，请"))
    return _result(
        "report_no_request", not asks, "报告中不得夹带请示事项", "a 报告 must not carry a request", blocking=False
    )


def check_every_character_printable(d: DraftView) -> CheckResult:
    """Every character has a glyph in an installed face: a 公文 is never printed with a box in place of a character
    (and never claims PDF/A with a missing glyph)."""
    zh, en = unprintable_message(d.unprintable) if d.unprintable else PRINTABLE
    return _result("unprintable_character", not d.unprintable, zh, en)


CHECKS = (
    check_body_present,
    check_every_character_printable,
    check_title_ends_with_doc_type,
    check_has_main_recipient,
    check_qingshi_single_main,
    check_attachment_notes_match,
    check_no_typed_doc_number,
    check_upward_copy_rule,
    check_secrecy_period,
    check_report_carries_no_request,
)


def run_checks(draft: DraftView) -> list[CheckResult]:
    return [check(draft) for check in CHECKS]


def blocking_failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.blocking and not r.passed]
