"""Structure recognition of a 公文 in plain text (DOMAIN.md §1–2, §5): issuers, 发文字号, 标题, 文种, 主送,
正文 with headings, 附件说明, 署名, 成文日期, contacts, report-back and phase deadlines, task lines with their
responsible units. Every field carries how sure the recogniser is; what is not recognised stays absent."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from search.analysis import find_doc_numbers, normalize
from services.domain.enums import DocType
from services.rendering.body import heading_level

GENRES = ("实施方案", "工作方案", "方案", "总结", "计划", "要点", "办法", "规定", "细则", "规划")
DOC_TYPES = sorted((t.value for t in DocType), key=len, reverse=True)
ORGAN_SUFFIX = re.compile(
    r"(委员会|工作部|宣传部|部|厅|局|委|办公室|办|政府|院|会|署|处|科|系统|中心|集团|公司|街道|镇|乡)$"
)
SENTENCE_END = "。：；！？）)”"
CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "○": 0,
    "O": 0,
    "Ｏ": 0,
}
# 成文日期 as the corpus writes it (DOMAIN.md §1.2, §6): 2024年9月5日, 二〇二四年九月五日 (〇 also as ○ or O),
# 2024.9.5, 2024-09-05 or 2024/9/5 (a clock time may follow), alone on a line, perhaps in brackets.
_DATE_AR = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_CN_DIGIT = "[〇零○OＯ一二三四五六七八九]"
_DATE_CN = re.compile(rf"^({_CN_DIGIT}{{4}})年([一二三四五六七八九十]{{1,3}})月([一二三四五六七八九十]{{1,3}})日$")
_DATE_DOTS = re.compile(r"^(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?:\d{1,2}:\d{2}(?::\d{2})?)?$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
# A web page's 发布时间: a date with its clock time, alone or labelled (发布时间：2024-03-19 15:44:11), above the body.
_PUBLISHED = re.compile(
    r"(?<!\d)(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?!\d)"
)
# Lines of a header that are not organs (GB/T 9704 elements above the 发文机关标志, DOMAIN.md §1.2).
_SECRECY = re.compile(r"^(绝密|机密|秘密)\s*(?:[★☆*＊]\s*(\S{1,10}))?$")
_URGENCY = re.compile(r"^(特急|加急)$")
_COPY_NUMBER = re.compile(r"^\d{6}$")  # 份号
_SIGNER = re.compile(r"^签发人[:：]")
# A plan's dates, each with its year, month and day: a due date (5月20日前, 2024年5月20日之前) and a month mark
# (5月, 5月20日, 5月底 / 上旬 / 中旬 / 下旬 / 末: its part of the month last); a 阶段 with its dates in brackets.
DUE_DATE = r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:之)?前"
MONTH_MARK = r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|(底|上旬|中旬|下旬|末))?"
PHASE = re.compile(r"([\u4e00-\u9fff]{2,6}阶段)\s*[（(]([^（()）]{3,40})[)）]")
_DEADLINE = re.compile(DUE_DATE)
_PHASE_END = re.compile(rf"{MONTH_MARK}\s*(?:之)?前")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})(?!\d)")
_TASK = re.compile(r"[（(]([^（()）]{2,120})[)）]\s*$")
_UNIT_HINT = re.compile(r"(市|局|委|部|办|乡镇|街道|会|院|团|馆|学院|集团|中心|政府|各)")
_COMPILATION = re.compile(r"^(?P<title>.{4,80}?)\s*篇\s*(?P<n>\d{1,3}|[一二三四五六七八九十]{1,3})$")
_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff\d])[ \t\u3000]+(?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])[ \t\u3000]+(?=\d)")


@dataclass(frozen=True)
class Found:
    value: Any
    confidence: float
    raw: str | None = None


@dataclass
class Recognized:
    title: str
    body: str
    fields: dict[str, Found] = field(default_factory=dict)
    position: int | None = None  # 篇N of a compilation
    first_line: int = 0
    preamble: list[str] = field(default_factory=list)  # the lines above the body: header lines and 主送
    collection_title: str | None = None  # the compilation a 篇 comes from

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None

    def as_json(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, dt.date):
                return v.isoformat()
            if isinstance(v, list):
                return [plain(x) for x in v]
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            return v

        return {k: {"value": plain(f.value), "confidence": f.confidence, "raw": f.raw} for k, f in self.fields.items()}


def clean_lines(text: str) -> list[str]:
    out = []
    for raw in text.splitlines():
        line = re.sub(r"^#+\s*|\*\*", "", raw).strip()
        out.append(_HAN_GAP.sub("", line))
    return out


def cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    return int("".join(str(CN_DIGITS[c]) for c in text))


def parse_date_line(line: str) -> dt.date | None:
    """A line that is a date and nothing else: 2024年9月5日, 二〇二四年九月五日, 2024.9.5, 2024-09-05 15:44."""
    line = re.sub(r"\s+", "", normalize(line)).strip("（）()")
    parts: tuple[str, str, str] | None = None
    if m := _DATE_AR.match(line) or _DATE_CN.match(line):
        parts = (m[1], m[2], m[3])
    elif m := _DATE_DOTS.match(line):
        parts = (m[1], m[3], m[4])
    if parts is None:
        return None
    try:
        return dt.date(cn_number(parts[0]), cn_number(parts[1]), cn_number(parts[2]))
    except (ValueError, KeyError):
        return None


@dataclass(frozen=True)
class Part:
    """One 篇 of a compilation: its number, the compilation's title, the heading that opens it, its text."""

    position: int
    collection_title: str
    heading: str
    first_line: int
    text: str


def split_compilation(text: str) -> list[Part]:
    """Each 篇 of a compilation; [] when the text is one document."""
    lines = text.splitlines()
    marks = [(i, m) for i, line in enumerate(lines) if (m := _COMPILATION.match(line.strip()))]
    if len(marks) < 2:
        return []
    pieces = []
    for k, (i, m) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
        heading = re.sub(r"\s+", " ", lines[i].strip())
        pieces.append(Part(cn_number(m["n"]), m["title"].strip(), heading, i, "\n".join(lines[i + 1 : end])))
    return pieces


def recognize(text: str) -> list[Recognized]:
    parts = split_compilation(text)
    if not parts:
        return [recognize_one(text)]
    preface = _preface(text, parts[0])
    docs = []
    for part in parts:
        doc = recognize_one(part.text, given_title=part_title(part))
        doc.position, doc.first_line, doc.collection_title = part.position, part.first_line, part.collection_title
        doc.preamble = [*preface, *doc.preamble]
        if "published_at" not in doc.fields:
            _published_at(preface, doc.fields)
        if "doc_type" not in doc.fields and "genre" not in doc.fields:
            _doc_type(part.collection_title, doc.fields)
        if "written_on" not in doc.fields and "year" not in doc.fields:
            _year_of_title(part.collection_title, doc.fields)
        docs.append(doc)
    return docs


def _preface(text: str, first: Part) -> list[str]:
    """The lines a compilation opens with before its first 篇 (a web page's heading, 发布时间), its title left out:
    kept with every part, as they stand above each."""
    lines = [line for line in clean_lines("\n".join(text.splitlines()[: first.first_line])) if line]
    return [line for line in lines if line != first.collection_title]


def part_title(part: Part) -> str:
    """A 篇's own title: a title line that opens its text, else the heading that opens it (…篇3), so the parts of
    a compilation can be told apart; the compilation's title is kept beside it."""
    first = next((clean for line in part.text.splitlines() if (clean := line.strip())), "")
    if first and _looks_like_title(first):
        return first
    return part.heading


def _looks_like_title(line: str) -> bool:
    if len(line) > 60 or any(p in line for p in "。；，,"):
        return False
    return line.startswith("关于") or line.endswith(GENRES + tuple(DOC_TYPES))


def recognize_one(text: str, given_title: str | None = None) -> Recognized:
    lines = clean_lines(text)
    nonempty = [(i, line) for i, line in enumerate(lines) if line]
    fields: dict[str, Found] = {}
    title_at = _title_index(nonempty) if given_title is None else -1
    header = [line for i, line in nonempty if i < title_at] if title_at >= 0 else []
    title = given_title or (_joined_title(nonempty, title_at) if title_at >= 0 else "")
    if title:
        fields["title"] = Found(title, 0.95 if given_title or title.startswith("关于") else 0.8)
    _doc_number(header, fields)
    _classification(header, fields)
    _issuers(header, fields)
    _doc_type(title, fields)
    start = title_at
    rest = [(i, line) for i, line in nonempty if i > start]
    salutation = _salutation(rest)
    if salutation:
        names = [n.strip() for n in re.split(r"[，,]", salutation[1].rstrip("：:")) if n.strip()]
        fields["main_recipients"] = Found(names, 0.85, salutation[1])
        start = salutation[0]
    body_lines = [line for i, line in nonempty if i > start]
    title_lines = [line for i, line in nonempty if title_at <= i <= start and line not in title]
    between = [line for i, line in nonempty if title_at < i < start and line not in title]
    # Every line above the body is kept (DOMAIN.md §1.2 header, and what a web page puts under its title: a 文号,
    # perhaps broken, 信息来源, 发布时间), then the 主送.
    preamble = header + between + ([salutation[1]] if salutation else [])
    _published_at(header + title_lines + between + body_lines[:2], fields)
    date_at = _written_on(body_lines, fields)
    if date_at is not None:
        _signers(body_lines[:date_at], fields)
    else:
        _date_after_title([x for x in title_lines + body_lines[:2] if not _PUBLISHED.search(x)], fields)
    if "written_on" not in fields and not _year_of_number(fields):
        _year_of_title(title, fields)
    paragraphs = join_broken_lines(body_lines)
    _attachments(body_lines, fields)
    _contacts(body_lines, fields)
    flat = "".join(body_lines)
    year = _context_year(fields, title)
    _report_deadline(flat, year, fields)
    _phases(flat, year, fields)
    _tasks(paragraphs, fields)
    headings = [{"level": heading_level(p), "text": p} for p in paragraphs if heading_level(p) and len(p) < 40]
    if headings:
        fields["headings"] = Found(headings, 0.8)
    return Recognized(title=title, body="\n".join(paragraphs), fields=fields, preamble=preamble)


def _salutation(rest: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The 主送 line (ending in ：) right under the title, or under the short lines a web page puts there (文号,
    信息来源, 发布时间); never past a sentence of the body."""
    for i, line in rest[:8]:
        if line.endswith(("：", ":")) and "。" not in line and len(line) < 150:
            return i, line
        if "。" in line or len(line) > 60 or _heading(line):
            return None
    return None


HEADING_PREFIX = 24  # a heading's number (十二、 （二十一） 12.) is far shorter: the rest need not be read


def join_broken_lines(lines: list[str]) -> list[str]:
    """Rejoin paragraphs a page break or a hard wrap split mid-sentence. Linear in the text: each paragraph is
    gathered as pieces and joined once (appending to a growing string copied it every time: 5 s for 1.9 MB)."""
    out: list[str] = []
    pieces: list[str] = []
    length = 0
    for line in (x for x in lines if x):
        if not pieces:
            pieces, length = [line], len(line)
            continue
        short_heading = length < 40 and _heading("".join(pieces)) > 0
        if pieces[-1][-1] not in SENTENCE_END and not _heading(line) and not short_heading:
            pieces.append(line)
            length += len(line)
        else:
            out.append("".join(pieces))
            pieces, length = [line], len(line)
    if pieces:
        out.append("".join(pieces))
    return out


def _heading(line: str) -> int:
    return heading_level(line[:HEADING_PREFIX])


def _title_index(nonempty: list[tuple[int, str]]) -> int:
    for i, line in nonempty[:15]:
        if len(line) < 30 and "号" in line and find_doc_numbers(line):
            continue
        if line.startswith("关于") or (
            len(line) < 80 and line.endswith(GENRES + tuple(DOC_TYPES)) and "。" not in line
        ):
            return i
        if "关于" in line and line.endswith(tuple(DOC_TYPES)) and len(line) < 100:
            return i
    return -1


def _joined_title(nonempty: list[tuple[int, str]], at: int) -> str:
    lines = dict(nonempty)
    title = lines[at]
    nxt = next((line for i, line in nonempty if i > at), "")
    if not title.endswith(GENRES + tuple(DOC_TYPES)) and nxt.endswith(GENRES + tuple(DOC_TYPES)) and len(nxt) < 40:
        title += nxt
    if "关于" in title and not title.startswith("关于"):
        title = title[title.index("关于") :]
    return title


def _doc_number(header: list[str], fields: dict[str, Found]) -> None:
    for line in header:
        found = find_doc_numbers(line)
        if found:
            number, raw = found[0]
            fields["doc_number"] = Found(str(number), 0.95, raw)
            return


def _classification(header: list[str], fields: dict[str, Found]) -> None:
    """密级和保密期限 (机密★5年) and 紧急程度 (特急), top left of the header (DOMAIN.md §1.2)."""
    for line in header:
        compact = re.sub(r"\s+", "", normalize(line))
        if m := _SECRECY.match(compact):
            fields["classification"] = Found(m[1], 0.95, line)
            if m[2]:
                fields["secrecy_period"] = Found(m[2], 0.9, line)
        elif m := _URGENCY.match(compact):
            fields["urgency"] = Found(m[1], 0.95, line)


def is_header_mark(line: str) -> bool:
    """A header line that is no organ's name: 密级, 紧急程度, 份号, 签发人 or the 文号."""
    compact = re.sub(r"\s+", "", normalize(line))
    marks = (_SECRECY, _URGENCY, _COPY_NUMBER, _SIGNER)
    return any(p.match(compact) for p in marks) or bool(find_doc_numbers(line))


def reads_as_organ(name: str) -> bool:
    """Whether a line reads as the name of an organ (ends as organs' names do, and is short)."""
    return 2 <= len(name) <= 40 and ORGAN_SUFFIX.search(name) is not None and not any(p in name for p in "。，；：:")


def _issuers(header: list[str], fields: dict[str, Found]) -> None:
    """The 发文机关标志 lines that read as organs' names (a joint document has several); any other header line is
    no issuer (the Mongolian line of a bilingual header, a web page's heading)."""
    names = []
    for line in header:
        if is_header_mark(line) or not re.search(r"[\u3400-\u9fff]", line):
            continue
        name = line.removesuffix("文件").strip()
        if reads_as_organ(name):
            names.append(name)
    if names:
        fields["issuers"] = Found(names, 0.9)


def _doc_type(title: str, fields: dict[str, Found]) -> None:
    for doc_type in DOC_TYPES:
        if title.endswith(doc_type):
            fields["doc_type"] = Found(doc_type, 0.95)
            return
    for genre in GENRES:
        if title.endswith(genre):
            fields["genre"] = Found(genre, 0.9)
            return


def _written_on(body: list[str], fields: dict[str, Found]) -> int | None:
    for k in range(len(body) - 1, -1, -1):
        date = parse_date_line(body[k])
        if date:
            fields["written_on"] = Found(date, 0.9, body[k])
            return k
    return None


def _published_at(lines: list[str], fields: dict[str, Found]) -> None:
    """A web page's publication time (2024-03-19 15:44:11) near the title: its own field, never 成文日期."""
    for line in lines:
        if len(line) > 60 or "。" in line:  # a sentence of the body that names a day and an hour is no 发布时间
            continue
        m = _PUBLISHED.search(normalize(line))
        if m is None:
            continue
        try:
            year, month, day, hour, minute, second = (int(x) for x in m.groups(default="0"))
            at = dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            continue
        fields["published_at"] = Found(at, 0.85, line)
        return


def _date_after_title(lines: list[str], fields: dict[str, Found]) -> None:
    """A date standing right under the title (a 纪要 or a speech dates itself there)."""
    for line in lines:
        date = parse_date_line(line)
        if date:
            fields["written_on"] = Found(date, 0.8, line)
            return


def _year_of_number(fields: dict[str, Found]) -> bool:
    """No 成文日期: the year of the 文号 is its year, less surely (a 文号 is numbered in the year of signing)."""
    number = fields.get("doc_number")
    m = re.search(r"〔(\d{4})〕", number.value) if number else None
    if m:
        fields["year"] = Found(int(m[1]), 0.7, number.raw if number else None)
    return m is not None


def _year_of_title(title: str, fields: dict[str, Found]) -> bool:
    """No date and no 文号: a year the title names (“关于2024年…总结”), less surely still."""
    m = _YEAR.search(normalize(title))
    if m:
        fields["year"] = Found(int(m[1]), 0.5, m[0])
    return m is not None


def _signers(before_date: list[str], fields: dict[str, Found]) -> None:
    names: list[str] = []
    for line in reversed(before_date[-5:]):
        if len(line) <= 30 and ORGAN_SUFFIX.search(line) and "。" not in line:
            names.insert(0, line)
        else:
            break
    if names:
        fields["signers"] = Found(names, 0.85)


def _attachments(body: list[str], fields: dict[str, Found]) -> None:
    for k, line in enumerate(body):
        m = re.match(r"^附件[:：]\s*(.+)$", line)
        if not m:
            continue
        items = [m[1]]
        for nxt in body[k + 1 : k + 6]:
            if nxt == "附件" or nxt.endswith("。") or re.match(r"^附件\d*$", nxt):
                break
            if re.match(r"^\d+[.．、]", nxt):
                items.append(nxt)
            elif len(nxt) < 30:
                items[-1] += nxt
            else:
                break
        titles = [re.sub(r"^\d+[.．、]\s*", "", t).rstrip("。") for t in items]
        fields["attachments"] = Found(titles, 0.85, line)
        return


def _contacts(body: list[str], fields: dict[str, Found]) -> None:
    for k, line in enumerate(body):
        if not line.startswith("联系人"):
            continue
        contacts = _people(re.split(r"[:：]", line, maxsplit=1)[-1])
        for nxt in body[k + 1 : k + 4]:
            more = _people(nxt)
            if not more or len(nxt) > 40:
                break
            contacts += more
        if contacts:
            fields["contacts"] = Found(contacts, 0.85, line)
        return


def _people(text: str) -> list[dict[str, str]]:
    people: list[dict[str, str]] = []
    for phone in _PHONE.finditer(text):
        before = text[: phone.start()]
        before = re.split(r"[，,；;。]", before)[-1] if people else before
        name = re.sub(r"(电话|手机|联系电话|QQ)[:：]?|[，,：:；;\s]", "", before)
        people.append({"name": name, "phone": phone[1]})
        text = text[phone.end() :]
        if "QQ" in text[:6]:
            break
    return [p for p in people if p["name"] and len(p["name"]) <= 6]


def _context_year(fields: dict[str, Found], title: str) -> int | None:
    written = fields.get("written_on")
    if written:
        return int(written.value.year)
    year = fields.get("year")
    return int(year.value) if year else None


def _report_deadline(flat: str, year: int | None, fields: dict[str, Found]) -> None:
    for m in _DEADLINE.finditer(flat):
        sentence_end = flat.find("。", m.end())
        tail = flat[m.end() : sentence_end if sentence_end != -1 else m.end() + 80]
        if not re.search(r"报送|上报|报至|报给|送至", tail):
            continue
        y = int(m[1]) if m[1] else year
        if y is None:
            continue
        try:
            date = dt.date(y, int(m[2]), int(m[3]))
        except ValueError:
            continue
        fields["report_deadline"] = Found(date, 0.9 if m[1] else 0.75, m[0])
        return


def _phases(flat: str, year: int | None, fields: dict[str, Found]) -> None:
    phases = []
    for m in PHASE.finditer(flat):
        window = m[2]
        end = None
        for e in _PHASE_END.finditer(window):
            end = e
        if end is None:
            continue
        window_year = re.search(r"(\d{4})年", window)
        deadline = month_mark_end(end, int(window_year[1]) if window_year else year)
        if deadline is not None:
            phases.append({"name": m[1], "deadline": deadline, "raw": window})
    if phases:
        fields["phases"] = Found(phases, 0.85)


def month_mark_end(m: re.Match[str], year: int | None) -> dt.date | None:
    """The last day a month mark names (its day; 上旬 the 10th, 中旬 the 20th, else the month's last), in its own
    year or else ``year``; None when it names no month or no year."""
    y, month = int(m[1]) if m[1] else year, int(m[2])
    if y is None or not 1 <= month <= 12:
        return None
    last = calendar.monthrange(y, month)[1]
    day = int(m[3]) if m[3] else {"上旬": 10, "中旬": 20}.get(m[4] or "", last)
    return dt.date(y, month, min(day, last))


def _tasks(paragraphs: list[str], fields: dict[str, Found]) -> None:
    tasks = []
    for p in paragraphs:
        m = _TASK.search(p)
        if not m or not heading_level(p):
            continue
        units = [u.strip() for u in re.split(r"[、，,]", m[1]) if u.strip()]
        if units and all(_UNIT_HINT.search(u) for u in units):
            task = re.split(r"[。]", p, maxsplit=1)[0]
            tasks.append({"task": task, "units": units})
    if tasks:
        fields["tasks"] = Found(tasks, 0.85)
