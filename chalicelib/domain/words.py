"""Words: what people read for each value of the vocabulary, in Chinese (zh-CN, the default) and English. Every
page, notice and email that shows a category, a priority, a clock, a level, a status or an event shows these words,
never the internal code. A test checks that every value of every enum has both."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from chalicelib.domain.vocabulary import (
    AlertChannelKind,
    Audience,
    Category,
    Channel,
    ClockName,
    ClockState,
    Complexity,
    DigestKind,
    EventType,
    Flag,
    Grade,
    Level,
    NoticeType,
    PauseReason,
    Priority,
    SendFailure,
    Status,
)

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")
DEFAULT_LANGUAGE: Language = "zh-CN"

_TABLE: tuple[tuple[StrEnum, str, str], ...] = (  # value, zh-CN, en
    (Category.SERVICE, "服务", "Service"),
    (Category.STAFF, "员工", "Staff conduct"),
    (Category.PRODUCT_QUALITY, "产品质量", "Product quality"),
    (Priority.URGENT, "紧急", "Urgent"),
    (Priority.IMPORTANT, "重要", "Important"),
    (Priority.GENERAL, "一般", "General"),
    (Complexity.GENERAL, "一般问题", "General problem"),
    (Complexity.COMPLEX, "复杂问题", "Complex problem"),
    (Channel.WEB_FORM, "网页表单", "Web form"),
    (Channel.PHONE, "电话", "Phone"),
    (Channel.EMAIL, "电子邮件", "Email"),
    (Channel.CHAT, "在线聊天", "Chat"),
    (Channel.IN_PERSON, "当面", "In person"),
    (Channel.OTHER, "其他", "Other"),
    (Status.OPEN, "处理中", "Open"),
    (Status.RESOLVED, "已解决，待确认", "Resolved, awaiting confirmation"),
    (Status.CLOSED, "已关闭", "Closed"),
    (ClockName.FIRST_RESPONSE, "首次响应", "First response"),
    (ClockName.RESOLUTION, "解决", "Resolution"),
    (ClockName.PROGRESS_UPDATE, "进度更新", "Progress update"),
    (ClockName.SITE_VISIT, "上门", "Site visit"),
    (ClockName.FOLLOW_UP, "回访", "Follow-up"),
    (EventType.RECEIVED, "收到投诉", "Received"),
    (EventType.RESPOND, "已响应", "Responded"),
    (EventType.PROGRESS_UPDATE, "进度更新", "Progress update"),
    (EventType.SITE_VISIT, "已上门", "Site visit"),
    (EventType.ASSIGN, "指派", "Assigned"),
    (EventType.RESOLVE, "已解决", "Resolved"),
    (EventType.CONFIRM, "客户确认", "Confirmed"),
    (EventType.REOPEN, "重新打开", "Reopened"),
    (EventType.PAUSE, "暂停计时", "Paused"),
    (EventType.RESUME, "恢复计时", "Resumed"),
    (EventType.SATISFACTION, "满意度", "Satisfaction"),
    (EventType.NOTE, "备注", "Note"),
    (EventType.NOTICE, "提醒已发出", "Notice sent"),
    (EventType.RECOMPUTED, "期限已重算", "Deadline recomputed"),
    (EventType.ERASE, "客户个人信息已删除", "Customer's personal data erased"),
    (PauseReason.WAITING_ON_CUSTOMER, "等待客户", "Waiting on the customer"),
    (PauseReason.FORCE_MAJEURE, "不可抗力", "Force majeure"),
    (Audience.ASSIGNEE, "负责人", "Assignee"),
    (Audience.ON_CALL, "值班人员", "On call"),
    (Audience.REGIONAL_MANAGER, "区域经理", "Regional manager"),
    (Audience.MARKETING_DIRECTOR, "营销总监", "Marketing director"),
    (Audience.GENERAL_MANAGER, "总经理", "General manager"),
    (Audience.MANAGEMENT_REP, "管理者代表", "Management representative"),
    (Level.WARNING, "预警", "Warning"),
    (Level.MINOR, "轻微违约", "Minor breach"),
    (Level.MAJOR, "重大违约", "Major breach"),
    (Level.ESCALATION, "升级", "Escalated"),
    (Grade.OK, "正常", "On track"),
    (Grade.WARNING, "即将超时", "About to breach"),
    (Grade.MINOR, "轻微违约", "Minor breach"),
    (Grade.MAJOR, "重大违约", "Major breach"),
    (ClockState.RUNNING, "计时中", "Running"),
    (ClockState.PAUSED, "已暂停", "Paused"),
    (ClockState.MET, "按时完成", "Met"),
    (ClockState.BREACHED, "超时完成", "Met late"),
    (ClockState.STOPPED, "已结束", "Ended"),
    (NoticeType.BREACH, "超时提醒", "Breach notice"),
    (NoticeType.RESOLVED, "已恢复", "Resolved"),
    (Category.SUGGESTION, "改进建议", "Suggestion"),
    (ClockName.HANDOFF, "转交责任部门", "Hand-off to the department"),
    (ClockName.APPROVAL, "营销总监审核", "Approval"),
    (ClockName.ANSWER, "审批后答复", "Answer after approval"),
    (ClockName.REPLY, "答复客户", "Reply"),
    (ClockName.PLAN, "处理方案", "Plan"),
    (ClockName.DISPATCH, "派出工程师", "Engineer dispatched"),
    (Flag.CROSS_DEPARTMENT, "跨部门", "Cross-department"),
    (Flag.WARRANTY, "保修期内", "Under warranty"),
    (Flag.REMOTE_AREA, "偏远地区", "Remote area"),
    (EventType.HANDOFF, "已转交责任部门", "Handed off"),
    (EventType.APPROVE, "已审批", "Approved"),
    (EventType.PLAN, "已提供处理方案", "Plan delivered"),
    (EventType.DISPATCH, "工程师已派出", "Engineer dispatched"),
    (EventType.REPLY, "已答复客户", "Replied"),
    (EventType.AGREE, "与客户约定时间", "Time agreed with the customer"),
    (EventType.TRIAGE, "重新分级", "Triaged"),
    (Level.REPORT, "知会", "For information"),
    (NoticeType.EVENT, "事件知会", "Event notice"),
    (AlertChannelKind.WECOM, "企业微信", "WeCom"),
    (AlertChannelKind.DINGTALK, "钉钉", "DingTalk"),
    (AlertChannelKind.FEISHU, "飞书", "Feishu"),
    (AlertChannelKind.SLACK, "Slack", "Slack"),
    (AlertChannelKind.PAGERDUTY, "PagerDuty", "PagerDuty"),
    (AlertChannelKind.WEBHOOK, "Webhook", "Webhook"),
    (DigestKind.HOURLY, "每小时超时汇总", "Hourly digest"),
    (DigestKind.DAILY, "每日超时汇总", "Daily summary"),
    (SendFailure.MAIL_REFUSED, "邮件服务未能发送该邮件", "the mail service did not send the email"),
    (SendFailure.COMPLAINT_UNREADABLE, "投诉记录无法读取", "the stored complaint cannot be read"),
)
# Keyed by (enum, value): values of different enums share text (Level.WARNING and Grade.WARNING are both
# "warning") yet not words.
_WORDS: dict[tuple[type[StrEnum], str], tuple[str, str]] = {
    (type(value), value.value): (chinese, english) for value, chinese, english in _TABLE
}


def word(value: StrEnum, language: Language = DEFAULT_LANGUAGE) -> str:
    """What people read for `value` in `language`."""
    chinese, english = _WORDS[(type(value), value.value)]
    return chinese if language == "zh-CN" else english


def has_words(value: StrEnum) -> bool:
    """Whether `value` has words in both languages."""
    return (type(value), value.value) in _WORDS
