"""Structure recognition of the five seeds, field by field, and the same fields from GB18030, .docx and .pdf."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from services.imports.reader import read_file
from services.imports.recognize import Recognized, recognize
from tests.conftest import seed_params

D = dt.date
EXPECTED: dict[str, dict[str, Any]] = {
    "000": {
        "count": 1,
        "title": "2018年“民族团结月”活动实施方案",
        "issuers": ["中卫市卫生计生系统"],
        "genre": "实施方案",
        "report_deadline": D(2018, 10, 8),
        "year": 2018,  # from the title: no 成文日期, no 文号
    },
    "001": {
        "count": 1,
        "title": "关于印发《市卫生健康委创建全国民族团结进步示范市实施方案》的通知",
        "doc_number": "广卫发〔2022〕17号",
        "issuers": ["广元市卫生健康委员会"],
        "doc_type": "通知",
        "main_recipients": ["委直属各单位", "委注册医疗机构", "委机关各科室"],
        "attachments": ["广元市卫生健康委员会创建全国民族团结进步示范市领导小组成员名单"],
        "phases": [("部署阶段", D(2022, 5, 31)), ("推进阶段", D(2022, 9, 30)), ("评估阶段", D(2022, 10, 20))],
        "contacts": [("赖巧", "3266380")],
        "year": 2022,  # from the 文号: no 成文日期
    },
    "002": {
        "count": 1,
        "title": "关于印发《扎兰屯市第41个全区民族团结进步活动月工作方案》的通知",
        "doc_number": "扎民委字〔2024〕32号",
        "issuers": ["中共扎兰屯市委员会统一战线工作部", "中共扎兰屯市委员会宣传部", "扎兰屯市民族事务委员会"],
        "doc_type": "通知",
        "written_on": D(2024, 9, 5),
        "report_deadline": D(2024, 9, 22),
        "main_recipients": ["各乡镇、街道", "市各部、委、办、局和各人民团体", "市直属各企事业单位"],
        "signers": ["中共扎兰屯市委宣传部", "中共扎兰屯市委统战部", "扎兰屯市民族事务委员会"],
        "contacts": [("王帅", "18804706566"), ("杨婉婷", "13500601048")],
        "first_task": (
            "1. 举办民族团结进步引领动员活动",
            ["市委统战部", "市工商联", "市民委", "市直各部门", "各乡镇街道"],
        ),
    },
    "003": {
        "count": 10,
        "title": "关于2024年民族团结进步宣传月活动总结",
        "genre": "总结",
        "year": 2024,
        "published_at": dt.datetime(2024, 3, 19, 15, 44, 11),  # the web page's 发布时间, above 篇1: no 成文日期
        "preamble": ["作文网实用文档工作总结列表页", "2024-03-19 15:44:11工作总结"],
    },
    "004": {"count": 8, "title": "政协民族团结进步创建活动方案", "genre": "方案"},
}


def _seed_text(seeds: Path, name: str) -> tuple[str, bytes]:
    path = next(seeds.glob(f"{name}_*.txt"))
    return path.name, path.read_bytes()


def _check(docs: list[Recognized], expected: dict[str, Any]) -> None:
    assert len(docs) == expected["count"]
    first = docs[0]
    if expected["count"] > 1:  # each part titled by the heading that opens it, the compilation's title kept
        assert [d.position for d in docs] == list(range(1, expected["count"] + 1))
        assert all(d.collection_title == expected["title"] and len(d.body) > 200 for d in docs)
        assert len({d.title for d in docs}) == len(docs) and all(d.title.startswith(expected["title"]) for d in docs)
    else:
        assert first.title == expected["title"]
    for name in (
        "doc_number",
        "issuers",
        "doc_type",
        "genre",
        "written_on",
        "report_deadline",
        "main_recipients",
        "signers",
        "attachments",
        "year",
        "published_at",
    ):
        if name in expected:
            assert first.value(name) == expected[name], name
            assert 0 < first.fields[name].confidence <= 1
    if "phases" in expected:
        assert [(p["name"], p["deadline"]) for p in first.value("phases")] == expected["phases"]
    if "contacts" in expected:
        assert [(c["name"], c["phone"]) for c in first.value("contacts")] == expected["contacts"]
    if "first_task" in expected:
        tasks = first.value("tasks")
        assert (tasks[0]["task"], tasks[0]["units"]) == expected["first_task"]
        assert len(tasks) >= 15
    if "preamble" in expected:  # kept with every part, as it stands above each
        assert all(d.preamble[: len(expected["preamble"])] == expected["preamble"] for d in docs)
    for absent in {"doc_number", "written_on", "issuers", "year", "classification", "published_at"} - set(expected):
        assert first.value(absent) is None, f"{absent} was invented"


@pytest.mark.parametrize("seed", seed_params(sorted(EXPECTED)))
def test_seed_fields_from_utf8(seeds_dir: Path, seed: str) -> None:
    name, data = _seed_text(seeds_dir, seed)
    _check(recognize(read_file(name, data).text), EXPECTED[seed])


@pytest.mark.parametrize("seed", seed_params(sorted(EXPECTED)))
def test_same_fields_from_gb18030_and_utf8_bom(seeds_dir: Path, seed: str) -> None:
    name, data = _seed_text(seeds_dir, seed)
    text = data.decode("utf-8")
    gb = read_file(name, text.encode("gb18030"))
    assert gb.encoding == "gb18030"
    _check(recognize(gb.text), EXPECTED[seed])
    bom = read_file(name, b"\xef\xbb\xbf" + data)
    assert bom.encoding == "utf-8-sig"
    _check(recognize(bom.text), EXPECTED[seed])


@pytest.mark.parametrize("seed", seed_params(sorted(EXPECTED)))
def test_same_fields_from_docx(seeds_dir: Path, seed: str) -> None:
    import docx

    name, data = _seed_text(seeds_dir, seed)
    document = docx.Document()
    for line in data.decode("utf-8").splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    read = read_file(name.replace(".txt", ".docx"), out.getvalue())
    assert read.format == "docx"
    _check(recognize(read.text), EXPECTED[seed])


def _pdf_of(text: str) -> bytes:
    import html

    from weasyprint import HTML

    from services.rendering.fonts import find_fonts_dir, font_face_css

    lines = "".join(f"<p>{html.escape(line) or '&nbsp;'}</p>" for line in text.splitlines())
    css = "@page { size: 420mm 297mm; margin: 10mm } body { font: 9pt GWSong; } p { margin: 0; white-space: pre-wrap }"
    page = f"<html><head><style>{font_face_css(find_fonts_dir())}{css}</style></head><body>{lines}</body></html>"
    return bytes(HTML(string=page).write_pdf())


@pytest.mark.parametrize("seed", seed_params(sorted(EXPECTED)))
def test_same_fields_from_pdf(seeds_dir: Path, seed: str) -> None:
    name, data = _seed_text(seeds_dir, seed)
    read = read_file(name.replace(".txt", ".pdf"), _pdf_of(data.decode("utf-8")))
    assert read.format == "pdf"
    _check(recognize(read.text), EXPECTED[seed])
