"""Between HTML forms and the use cases' inputs: raw values in, validated inputs or readable errors out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from services.documents.schemas import AttachmentUpload, DraftInput

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
    "main_recipients_text": "主送（统称）",
    "printed_copies": "印制份数",
    "printing_organ": "印发机关",
    "report_back": "反馈要求",
    "deadline": "报送截止日期",
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
PROBLEM_ZH = {
    "missing": "必须填写",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "enum": "不在可选范围内",
    "date_from_datetime_parsing": "日期格式应为 年-月-日",
    "date_parsing": "日期格式应为 年-月-日",
    "int_parsing": "取值不合法",
    "value_error": "有重复或不合法的项",
}
LIST_FIELDS = ("issuers", "main_recipients", "copy_recipients")
TEXT_FIELDS = (
    "doc_type", "title", "issue_form", "classification", "secrecy_period", "urgency", "remark", "printing_organ",
    "report_deadline", "report_contact", "report_method", "release_scope", "attachment_notes", "report_materials",
    "body", "note", "forwards", "answers", "base_version", "main_recipients_text", "printed_copies",
)  # fmt: skip


class FormProblem(BaseModel):
    field: str
    zh: str
    en: str


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def draft_values(form: FormData) -> dict[str, Any]:
    """The draft form as typed, kept to show again when it does not validate (a draft is never lost)."""
    values: dict[str, Any] = {key: str(form.get(key) or "") for key in TEXT_FIELDS}
    for key in LIST_FIELDS:
        values[key] = [int(v) for v in form.getlist(key) if isinstance(v, str) and v.isdigit()]
    return values


def draft_values_of(fields: dict[str, Any], body: str, version: int) -> dict[str, Any]:
    """A saved version's fields as form values; a save from them is based on that version."""
    values = {key: fields.get(key) or "" for key in TEXT_FIELDS}
    values.update({key: list(fields.get(key) or []) for key in LIST_FIELDS})
    values["attachment_notes"] = "\n".join(fields.get("attachment_notes") or [])
    values["report_materials"] = "\n".join(fields.get("report_materials") or [])
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
    data |= {k: values[k] or None for k in ("secrecy_period", "remark", "printing_organ", "release_scope", "note")}
    data["main_recipients_text"] = values["main_recipients_text"] or None
    data["printed_copies"] = values["printed_copies"] or None
    data |= {k: int(values[k]) if str(values[k]).isdigit() else None for k in ("forwards", "answers", "base_version")}
    data["attachment_notes"] = lines(values["attachment_notes"])
    data["body"] = values["body"].replace("\r\n", "\n")
    if values["report_deadline"]:
        data["report_back"] = {
            "deadline": values["report_deadline"],
            "materials": lines(values["report_materials"]) or ["总结"],
            "method": values["report_method"] or None,
            "contact": values["report_contact"] or None,
        }
    try:
        return DraftInput.model_validate(data)
    except ValidationError as exc:
        raise FormErrors([_problem(e) for e in exc.errors()]) from None


def _problem(error: Any) -> FormProblem:
    names = [str(part) for part in error.get("loc", ()) if isinstance(part, str)]
    field = names[-1] if names else "form"
    kind = str(error.get("type", ""))
    return FormProblem(
        field=field,
        zh=f"{FIELD_ZH.get(field, field)}：{PROBLEM_ZH.get(kind, '填写有误')}",
        en=f"{field}: {error.get('msg', 'invalid')}",
    )


class FormErrors(Exception):
    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("; ".join(p.en for p in problems))
        self.problems = problems


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
