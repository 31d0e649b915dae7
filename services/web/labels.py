"""Chinese names of statuses, roles and actions shown on the pages, and the fixed messages after a form."""

from __future__ import annotations

from typing import Any

from services.domain.enums import (
    ARCHIVE_RUN_STATUS_ZH,
    CADENCE_ZH,
    DOC_STATUS_ZH,
    Classification,
    DocType,
    JobStep,
    Role,
    Urgency,
)
from services.web.forms import FIELD_ZH

STATUS_ZH = DOC_STATUS_ZH
ROLE_ZH = {
    Role.drafter: "拟稿",
    Role.reviewer: "审核",
    Role.signer: "签发/会签",
    Role.registrar: "登记",
    Role.archivist: "档案员",
    Role.admin: "管理员",
}
KIND_ZH = {"outgoing": "发文", "reply": "来文（反馈）", "imported": "导入"}
RETENTION_ZH = {"Y": "永久", "D30": "30年", "D10": "10年"}
SIGNOFF_ZH = {"pending": "待签", "signed": "已签", "rejected": "退回"}
MESSAGES = {
    "created": "草稿已保存。",
    "saved": "已保存为新版本。",
    "attached": "附件已添加。",
    "attachment_changed": "附件标题已修改。",
    "attachment_removed": "附件已删除（此前的版本仍保留）。",
    "attachment_replaced": "附件已替换。",
    "submitted": "已提交，正在进行格式检查。",
    "reviewed": "审核意见已提交。",
    "signed": "已签批。",
    "rejected": "已退回拟稿处室。",
    "issue_requested": "已重新发起登记印发。",
    "rechecked": "复核已完成，待登记。",
    "recheck_changed": "已按复核修改形成新版本，退回各机关重新签发。",
    "registered": "已登记，发文字号已编定，待用印。",
    "sealed": "用印已记录，待核发。",
    "released": "已核发，正在排版印制并分送。",
    "received": "已签收。",
    "reported": "已报送。",
    "chased": "已发出催办。",
    "stopped": "已停止周期报送：本期为最后一期。",
    "returned_reply": "已退回补报。",
    "accepted": "已签收该报送。",
    "progress": "任务进展已报告。",
    "group_saved": "单位分组已保存。",
    "run_started": "归档已开始。",
    "fixity_started": "完整性检查已开始。",
    "fonds_saved": "全宗已保存。",
    "retention_saved": "保管期限表已修改，新版本即日起施行。",
    "organ_created": "机关已添加。",
    "aliases_saved": "机关别名已保存。",
    "gate_saved": "已更改该机关的印发方式。",
    "user_created": "用户已添加。",
    "user_saved": "用户信息已保存，下次操作起生效。",
    "user_disabled": "已停用该用户，其登录已全部失效。",
    "user_enabled": "已启用该用户。",
    "organ_saved": "机关信息已保存；已印发的公文仍用印发时的名称。",
    "department_saved": "科室已保存。",
    "numbering_saved": "编号设置已保存，已记入管理日志。",
    "first_admin_created": "第一位管理员已创建并已登录。请添加机关、科室和用户。",
    "logged_out": "已退出登录。",
    "password_changed": "密码已修改；其他设备上的登录已退出。",
    "jobs_retried": "已重新排入自动环节，工作进程将立即执行。",
    "incoming_registered": "收文已登记。",
    "incoming_reviewed": "初审已通过。",
    "incoming_returned": "已退回来文机关。",
    "incoming_proposed": "拟办意见已提交。",
    "incoming_instructed": "批办意见已提交。",
    "incoming_handled": "承办情况已记录。",
    "incoming_circulated": "已送传阅。",
    "incoming_read": "已阅。",
    "incoming_closed": "已办结。",
    "import_queued": "文件已上传，正在排队导入。",
}
STEP_ZH = {
    JobStep.check: "格式检查",
    JobStep.issue: "复核登记、排版印制与核发",
    JobStep.archive: "年度归档",
    JobStep.fixity: "完整性检查",
    JobStep.import_files: "导入文件",
    JobStep.anchor: "审计链锚定",
}

# A format check that passed, named by what it found in order (the message of a failed one says what is wrong).
CHECK_PASSED_ZH = {
    "title_ends_with_doc_type": "标题以文种结尾",
    "qingshi_one_main_recipient": "请示主送一个机关",
    "main_recipient_present": "主送机关",
    "attachment_notes_match": "附件说明与附件一致",
    "no_typed_doc_number": "未手填发文字号",
    "upward_no_copy_to_subordinates": "上行文未抄送下级机关",
    "secrecy_period_present": "保密期限",
    "body_present": "正文",
    "report_no_request": "报告未夹带请示事项",
}

GLOBALS: dict[str, Any] = {
    "CHECK_PASSED_ZH": CHECK_PASSED_ZH,
    "RUN_STATUS_ZH": {k.value: v for k, v in ARCHIVE_RUN_STATUS_ZH.items()},
    "STATUS_ZH": {k.value: v for k, v in STATUS_ZH.items()},
    "ROLE_ZH": {k.value: v for k, v in ROLE_ZH.items()},
    "KIND_ZH": KIND_ZH,
    "RETENTION_ZH": RETENTION_ZH,
    "SIGNOFF_ZH": SIGNOFF_ZH,
    "DOC_TYPES": [t.value for t in DocType],
    "CLASSIFICATIONS": [c.value for c in Classification],
    "URGENCIES": [u.value for u in Urgency],
    "ROLES": [r.value for r in Role],
    "FIELD_ZH": FIELD_ZH,
    "STEP_ZH": STEP_ZH,
    "CADENCE_ZH": {k.value: v for k, v in CADENCE_ZH.items()},
}
