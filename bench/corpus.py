"""A generator of realistic official-document prose (~2,000 characters), built from the sentences of the project's
example documents (services/seed/documents/), with organs, dates and 发文字号 of its own. Deterministic for a given
seed."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator

from search import SearchDoc
from services.seed.texts import every_text

ORGANS = [
    ("扎兰屯市民族事务委员会", "扎民委字"),
    ("广元市卫生健康委员会", "广卫发"),
    ("中卫市卫生健康委员会", "卫健发"),
    ("中共扎兰屯市委员会宣传部", "扎宣发"),
    ("中共扎兰屯市委员会统一战线工作部", "扎统发"),
    ("扎兰屯市教育局", "扎教发"),
    ("扎兰屯市文化旅游体育广电局", "扎文旅发"),
    ("呼伦贝尔市人民政府办公室", "呼政办发"),
    ("临夏州地方税务局", "临地税发"),
    ("广元市人民政府", "广府发"),
    ("宁夏回族自治区卫生健康委员会", "宁卫健发"),
    ("内蒙古自治区民族事务委员会", "内民委发"),
]
DOC_TYPES = ["通知", "通知", "通知", "报告", "意见", "通报", "函", "请示", "批复", "纪要"]
TOPICS = [
    "开展民族团结进步活动月",
    "做好健康义诊工作",
    "加强石榴籽志愿服务",
    "推进示范单位创建",
    "开展普法宣传教育",
    "组织主题党日活动",
    "做好年度工作总结",
    "加强基层医疗服务",
    "推广国家通用语言文字",
    "做好防汛抗旱工作",
    "开展安全生产检查",
    "加强档案规范管理",
    "做好秋冬旅游宣传",
    "开展就业技能培训",
    "做好非遗保护传承",
]
RETENTION = ["Y", "D30", "D10"]
STATUSES = ["distributed", "distributed", "received", "archived"]


def _sentences() -> list[str]:
    text = "".join(every_text())
    text = re.sub(r"[#*\s]+", "", text)
    return [s + "。" for s in text.split("。") if 15 <= len(s) <= 160 and "_" not in s]


class Corpus:
    def __init__(self, seed: int = 20241123) -> None:
        self.rng = random.Random(seed)
        self.sentences = _sentences()
        self.seq: dict[tuple[str, int], int] = {}

    def doc(self, doc_id: int) -> SearchDoc:
        rng = self.rng
        organ, prefix = rng.choice(ORGANS)
        issuers = [organ] + ([rng.choice(ORGANS)[0]] if rng.random() < 0.2 else [])
        date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(365 * 11))
        seq = self.seq[(prefix, date.year)] = self.seq.get((prefix, date.year), 0) + 1
        doc_type = rng.choice(DOC_TYPES)
        title = f"{organ}关于{rng.choice(TOPICS)}的{doc_type}"
        parts, size, heading = [], 0, 0
        headings = "一二三四五六七八九十"
        while size < 2000:
            if rng.random() < 0.12 and heading < 10:
                line = f"{headings[heading]}、{rng.choice(TOPICS)}"
                heading += 1
            else:
                line = "".join(rng.choice(self.sentences) for _ in range(rng.randint(1, 3)))
            parts.append(line)
            size += len(line)
        return SearchDoc(
            id=doc_id,
            title=title,
            body="\n".join(parts),
            doc_number=f"{prefix}〔{date.year}〕{seq}号",
            issuers=tuple(dict.fromkeys(issuers)),
            doc_type=doc_type,
            status=rng.choice(STATUSES),
            kind="outgoing",
            retention=rng.choice(RETENTION),
            date=date,
            organs=tuple(rng.sample(range(1, 40), 3)),
            rank=0 if rng.random() < 0.95 else 1,
            source=f"import-{doc_id}.txt" if rng.random() < 0.3 else None,
        )

    def docs(self, n: int, start: int = 1) -> Iterator[SearchDoc]:
        for i in range(start, start + n):
            yield self.doc(i)
