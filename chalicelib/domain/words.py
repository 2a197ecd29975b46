"""Words: what people read for each value of the vocabulary, in Chinese (zh-CN, the default) and English. Every
page, notice and email that shows a category, a priority, a clock, a level, a status or an event shows these words,
never the internal code. A test checks that every value of every enum has both."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from chalicelib.domain.vocabulary import (
    Audience,
    Category,
    Channel,
    ClockName,
    ClockState,
    Complexity,
    EventType,
    Grade,
    Level,
    PauseReason,
    Priority,
    Status,
)

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")
DEFAULT_LANGUAGE: Language = "zh-CN"

_WORDS: dict[StrEnum, tuple[str, str]] = {  # value -> (zh-CN, en)
    Category.SERVICE: ("服务", "Service"),
    Category.STAFF: ("员工", "Staff conduct"),
    Category.PRODUCT_QUALITY: ("产品质量", "Product quality"),
    Priority.URGENT: ("紧急", "Urgent"),
    Priority.IMPORTANT: ("重要", "Important"),
    Priority.GENERAL: ("一般", "General"),
    Complexity.GENERAL: ("一般问题", "General problem"),
    Complexity.COMPLEX: ("复杂问题", "Complex problem"),
    Channel.WEB_FORM: ("网页表单", "Web form"),
    Channel.PHONE: ("电话", "Phone"),
    Channel.EMAIL: ("电子邮件", "Email"),
    Channel.CHAT: ("在线聊天", "Chat"),
    Channel.IN_PERSON: ("当面", "In person"),
    Channel.OTHER: ("其他", "Other"),
    Status.OPEN: ("处理中", "Open"),
    Status.RESOLVED: ("已解决，待确认", "Resolved, awaiting confirmation"),
    Status.CLOSED: ("已关闭", "Closed"),
    ClockName.FIRST_RESPONSE: ("首次响应", "First response"),
    ClockName.RESOLUTION: ("解决", "Resolution"),
    ClockName.PROGRESS_UPDATE: ("进度更新", "Progress update"),
    ClockName.SITE_VISIT: ("上门", "Site visit"),
    ClockName.FOLLOW_UP: ("回访", "Follow-up"),
    EventType.RECEIVED: ("收到投诉", "Received"),
    EventType.RESPOND: ("已响应", "Responded"),
    EventType.PROGRESS_UPDATE: ("进度更新", "Progress update"),
    EventType.SITE_VISIT: ("已上门", "Site visit"),
    EventType.ASSIGN: ("指派", "Assigned"),
    EventType.RESOLVE: ("已解决", "Resolved"),
    EventType.CONFIRM: ("客户确认", "Confirmed"),
    EventType.REOPEN: ("重新打开", "Reopened"),
    EventType.PAUSE: ("暂停计时", "Paused"),
    EventType.RESUME: ("恢复计时", "Resumed"),
    EventType.SATISFACTION: ("满意度", "Satisfaction"),
    EventType.NOTE: ("备注", "Note"),
    EventType.NOTICE: ("提醒已发出", "Notice sent"),
    EventType.RECOMPUTED: ("期限已重算", "Deadline recomputed"),
    EventType.ERASE: ("客户个人信息已删除", "Customer's personal data erased"),
    PauseReason.WAITING_ON_CUSTOMER: ("等待客户", "Waiting on the customer"),
    PauseReason.FORCE_MAJEURE: ("不可抗力", "Force majeure"),
    Audience.ASSIGNEE: ("负责人", "Assignee"),
    Audience.ON_CALL: ("值班人员", "On call"),
    Audience.REGIONAL_MANAGER: ("区域经理", "Regional manager"),
    Audience.MARKETING_DIRECTOR: ("营销总监", "Marketing director"),
    Audience.GENERAL_MANAGER: ("总经理", "General manager"),
    Audience.MANAGEMENT_REP: ("管理者代表", "Management representative"),
    Level.WARNING: ("预警", "Warning"),
    Level.MINOR: ("轻微违约", "Minor breach"),
    Level.MAJOR: ("重大违约", "Major breach"),
    Level.ESCALATION: ("升级", "Escalated"),
    Grade.OK: ("正常", "On track"),
    Grade.WARNING: ("即将超时", "About to breach"),
    Grade.MINOR: ("轻微违约", "Minor breach"),
    Grade.MAJOR: ("重大违约", "Major breach"),
    ClockState.RUNNING: ("计时中", "Running"),
    ClockState.PAUSED: ("已暂停", "Paused"),
    ClockState.MET: ("按时完成", "Met"),
    ClockState.BREACHED: ("超时完成", "Met late"),
    ClockState.STOPPED: ("已结束", "Ended"),
}


def word(value: StrEnum, language: Language = DEFAULT_LANGUAGE) -> str:
    """What people read for `value` in `language`."""
    chinese, english = _WORDS[value]
    return chinese if language == "zh-CN" else english


def has_words(value: StrEnum) -> bool:
    """Whether `value` has words in both languages."""
    return value in _WORDS
