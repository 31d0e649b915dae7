"""Between HTML forms and the use cases' inputs: raw values in, validated inputs or readable errors out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from services.documents.schemas import AttachmentUpload, DraftInput
from services.web.problems import FormErrors as FormErrors
from services.web.problems import FormProblem as FormProblem
from services.web.problems import translated

FIELD_ZH = {
    "doc_type": "文种",
    "title": "标题",
    "issue_form": "发文形式",
    "issuers": "联署机关",
    "main_recipients": "主送机关",
    "copy_recipients": "抄送机关",
    "classification": "密级",
    "secrecy_period": "保密期限",
    "urgency": "紧急程度",
    "attachment_notes": "附件说明",
    "remark": "附注",
    "printed_copies": "印制份数",
    "printing_organ": "印发机关",
    "main_groups": "主送单位分组",
    "main_recipients_text": "主送机关（统称）",
    "phases": "阶段",
    "obligations": "反馈事项",
    "tasks": "任务分工",
    "name": "名称",
    "starts_on": "开始日期",
    "ends_on": "结束日期",
    "due_on": "截止日期",
    "cadence": "报送周期",
    "at_least": "每期至少次数",
    "text": "任务内容",
    "units": "责任单位",
    "materials": "报送材料",
    "contact": "联系人",
    "body": "正文",
    "note": "修改说明",
    "forwards": "被转发文",
    "answers": "答复的来文",
    "method": "报送方式",
    "release_scope": "发布层次",
    "base_version": "所依据的版本",
}
LIST_FIELDS = ("issuers", "main_recipients", "copy_recipients", "main_groups")
TEXT_FIELDS = (
    "doc_type", "title", "issue_form", "classification", "secrecy_period", "urgency", "remark", "printing_organ",
    "release_scope", "attachment_notes", "main_recipients_text", "body", "note", "forwards", "answers",
    "base_version", "printed_copies",
)  # fmt: skip
# Rows of the plan in the editor: phase-N-name, ob-N-title, task-N-text …; the first field of each decides
# whether a row was filled in. Multi-value fields (owners, other units) are lists.
ROWS = {
    "phase": ("name", "starts_on", "ends_on"),
    "ob": ("title", "materials", "due_on", "cadence", "starts_on", "ends_on", "at_least", "phase", "method",
           "contact"),
    "task": ("text", "lead", "units_text"),
}  # fmt: skip
MULTI = {"ob": ("owners",), "task": ("others",)}
MAX_ROWS = 300


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def draft_values(form: FormData) -> dict[str, Any]:
    """The draft form as typed, kept to show again when it does not validate (a draft is never lost)."""
    values: dict[str, Any] = {key: str(form.get(key) or "") for key in TEXT_FIELDS}
    for key in LIST_FIELDS:
        values[key] = [int(v) for v in form.getlist(key) if isinstance(v, str) and v.isdigit()]
    values["phases"], values["obligations"], values["tasks"] = (_rows(form, p) for p in ("phase", "ob", "task"))
    return values


def _rows(form: FormData, prefix: str) -> list[dict[str, Any]]:
    found = {int(m[1]) for key in form if (m := re.match(rf"^{prefix}-(\d{{1,4}})-", key))}
    rows = []
    for n in sorted(found)[:MAX_ROWS]:
        row: dict[str, Any] = {f: str(form.get(f"{prefix}-{n}-{f}") or "").strip() for f in ROWS[prefix]}
        for f in MULTI.get(prefix, ()):
            row[f] = [str(v) for v in form.getlist(f"{prefix}-{n}-{f}") if isinstance(v, str)]
        if prefix == "ob":
            row["units_text"] = ""
        first = ROWS[prefix][0]
        if row[first] or (prefix == "ob" and (row["due_on"] or row["ends_on"])):
            rows.append(row)
    return rows


def plan_values(fields: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A saved (or proposed) plan as editor rows."""
    phases = [{k: p.get(k) or "" for k in ROWS["phase"]} for p in fields.get("phases") or []]
    obligations = []
    for o in fields.get("obligations") or []:
        row = {k: o.get(k) or "" for k in ROWS["ob"]}
        row["materials"] = materials_line(o.get("materials") or [], o.get("optional_materials") or [])
        row["at_least"] = str(o.get("at_least") or 1)
        row["owners"] = [f"o:{i}" for i in o.get("owner_organs") or []] + [
            f"g:{i}" for i in o.get("owner_groups") or []
        ]
        row["units_text"] = o.get("units_text") or ""
        row["unmatched"], row["outside"] = o.get("unmatched") or [], o.get("outside") or []
        obligations.append(row)
    tasks = []
    for t in fields.get("tasks") or []:
        units = [str(u) for u in t.get("units") or []]
        lead, others = (units[0] if units else "", units[1:])
        if "lead" in t:  # a proposal: its lead may be unknown while its 配合 units are known
            lead, others = ("" if t["lead"] is None else str(t["lead"])), [str(u) for u in t["others"]]
        tasks.append({"text": t.get("text") or "", "lead": lead, "others": others,
                      "units_text": t.get("units_text") or "",
                      "unmatched": t.get("unmatched") or [], "outside": t.get("outside") or []})  # fmt: skip
    return {"phases": phases, "obligations": obligations, "tasks": tasks}


OPTIONAL_MARK = "（可选）"


def materials_line(materials: list[str], optional: list[str]) -> str:
    """“工作总结、照片（可选）”: the materials as the editor shows them, an optional one marked."""
    return "、".join(m + OPTIONAL_MARK if m in optional else m for m in materials)


def materials_of_line(line: str) -> dict[str, list[str]]:
    """The editor's materials line back as materials and the optional ones (marked “（可选）” or “(可选)”)."""
    materials, optional = [], []
    for item in re.split(r"[、，,\n]", line):
        name = re.sub(r"[（(]\s*可选\s*[）)]\s*$", "", item.strip()).strip()
        if not name:
            continue
        materials.append(name)
        if name != item.strip():
            optional.append(name)
    return {"materials": materials, "optional_materials": optional}


def _plan_input(values: dict[str, Any]) -> dict[str, Any]:
    def day(text: str) -> str | None:
        return text or None

    phases = [{"name": r["name"], "starts_on": day(r["starts_on"]), "ends_on": day(r["ends_on"])}
              for r in values.get("phases", [])]  # fmt: skip
    obligations = [
        {
            "title": r["title"], **materials_of_line(r["materials"]),
            "due_on": day(r["due_on"]), "cadence": r["cadence"] or None, "starts_on": day(r["starts_on"]),
            "ends_on": day(r["ends_on"]), "at_least": r["at_least"] or 1, "phase": r["phase"] or None,
            "owner_organs": [int(v[2:]) for v in r.get("owners", []) if v.startswith("o:") and v[2:].isdigit()],
            "owner_groups": [int(v[2:]) for v in r.get("owners", []) if v.startswith("g:") and v[2:].isdigit()],
            "method": r["method"] or None, "contact": r["contact"] or None,
        }
        for r in values.get("obligations", [])
    ]  # fmt: skip
    tasks = []
    for r in values.get("tasks", []):
        lead = [int(r["lead"])] if r["lead"].isdigit() else []
        others = [int(o) for o in r.get("others", []) if o.isdigit() and [int(o)] != lead]
        tasks.append({"text": r["text"], "units": lead + others, "units_text": r.get("units_text") or None})
    return {"phases": phases, "obligations": obligations, "tasks": tasks}


def draft_values_of(fields: dict[str, Any], body: str, version: int) -> dict[str, Any]:
    """A saved version's fields as form values; a save from them is based on that version."""
    values = {key: fields.get(key) or "" for key in TEXT_FIELDS}
    values.update({key: list(fields.get(key) or []) for key in LIST_FIELDS})
    values["attachment_notes"] = "\n".join(fields.get("attachment_notes") or [])
    values.update(plan_values(fields))
    values.update(
        body=body,
        note="",
        forwards=str(fields.get("forwards") or ""),
        answers=str(fields.get("answers") or ""),
        base_version=str(version),
    )
    return values


def draft_input(values: dict[str, Any]) -> DraftInput:
    """Validate the typed draft; raises FormErrors naming each field in Chinese and English."""
    data: dict[str, Any] = {k: values[k] for k in ("doc_type", "title", "issue_form", "classification", "urgency")}
    data |= {k: values[k] for k in LIST_FIELDS}
    data |= {
        k: values[k] or None
        for k in ("secrecy_period", "remark", "printing_organ", "release_scope", "note", "main_recipients_text")
    }
    data["printed_copies"] = values["printed_copies"] or None
    data |= {k: int(values[k]) if str(values[k]).isdigit() else None for k in ("forwards", "answers", "base_version")}
    data["attachment_notes"] = lines(values["attachment_notes"])
    data["body"] = values["body"].replace("\r\n", "\n")
    data |= _plan_input(values)
    leaderless = [n for n, r in enumerate(values.get("tasks", []), 1) if not r["lead"].isdigit() and r.get("others")]
    problems = [_no_lead(n) for n in leaderless]
    try:
        draft = DraftInput.model_validate(data)
    except ValidationError as exc:
        problems += translated(exc.errors(), FIELD_ZH, editor_input)
    if problems:
        raise FormErrors(problems)
    return draft


def _no_lead(n: int) -> FormProblem:
    """A task with 配合 units and no 牵头: the first 配合 unit is never made the lead in its place."""
    return FormProblem(
        field=f"task-{n - 1}-lead",
        zh=f"任务第 {n} 项：有配合单位时须选择牵头单位",
        en=f"task {n}: choose a lead for its units",
    )


ROW_INPUTS = {"phases": "phase", "obligations": "ob", "tasks": "task"}


def editor_input(loc: Sequence[Any]) -> str:
    """The editor's input for a schema path: ("obligations", 0, "due_on") → ob-0-due_on."""
    if len(loc) > 1 and isinstance(loc[1], int) and str(loc[0]) in ROW_INPUTS:
        field = str(loc[2]) if len(loc) > 2 else ROWS[ROW_INPUTS[str(loc[0])]][0]
        field = "owners" if field in ("owner_organs", "owner_groups") else field
        field = "materials" if field == "optional_materials" else field
        return f"{ROW_INPUTS[str(loc[0])]}-{loc[1]}-{field}"
    return str(loc[0]) if loc else "form"


def uploads(form: FormData, key: str) -> list[AttachmentUpload]:
    """The files posted under one field name; an empty file input posts no file."""
    found = []
    for item in form.getlist(key):
        if isinstance(item, UploadFile) and item.filename:
            data = item.file.read()
            found.append(
                AttachmentUpload(
                    title=item.filename.rsplit(".", 1)[0],
                    filename=item.filename,
                    content_type=item.content_type or "application/octet-stream",
                    data=data,
                )
            )
    return found
