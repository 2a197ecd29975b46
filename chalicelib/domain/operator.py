"""Operator notices: what the people who run the system must hear (a complaint quarantined because it cannot be
evaluated, a calendar about to run out of confirmed holiday data, a customer's acknowledgement given up) -> one
message for the ops topic. Pure; a failure is described by its kind and place only, never by a value it quoted
(values can be customer details).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.domain.calendar import CalendarNotCovered
from chalicelib.domain.links import console_link
from chalicelib.domain.vocabulary import SendFailure
from chalicelib.domain.words import Language, word

RETRY_MINUTES = (5, 15, 60)


class Quarantine(BaseModel):
    """A complaint the scanner could not evaluate: why (no customer data), since when, how often, next try."""

    model_config = ConfigDict(frozen=True)

    error: str
    since: datetime
    attempts: int
    retry_at: datetime


def quarantined(previous: Quarantine | None, error: str, now: datetime) -> Quarantine:
    """The quarantine after one more failed evaluation at `now`: retried after 5, 15, then every 60 minutes."""
    attempts = 1 if previous is None else previous.attempts + 1
    wait = RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1]
    since = now if previous is None else previous.since
    return Quarantine(error=error, since=since, attempts=attempts, retry_at=now + timedelta(minutes=wait))


def describe_failure(error: BaseException) -> str:
    """What went wrong, fit for a log line, a notice and the API: the kind of error and where, no values."""
    if isinstance(error, CalendarNotCovered):
        return str(error)
    if isinstance(error, ValidationError):
        places = sorted({".".join(str(part) for part in item["loc"]) or "(item)" for item in error.errors()})
        shown = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
        return f"the stored complaint does not match the current model at {shown}"
    if isinstance(error, json.JSONDecodeError):
        return "the stored complaint holds malformed JSON"
    return f"{type(error).__name__} while evaluating the complaint's clocks"


class OperatorNotice(BaseModel):
    """One message to the ops topic; `notice_id` is stable, so a retried publish is recognisable."""

    model_config = ConfigDict(frozen=True)

    kind: str = "operator"
    notice_id: str
    topic: str
    subject: str
    summary: str
    detected_at: str
    complaint_id: str | None = None
    calendar: str | None = None
    days_left: int | None = None
    link: str | None = None

    def message(self) -> dict[str, object]:
        """The SNS message body (JSON)."""
        return self.model_dump(mode="json", exclude_none=True)

    def attributes(self) -> dict[str, str]:
        """SNS message attributes subscriptions filter on."""
        return {"kind": self.kind, "topic": self.topic}


def _about_complaint(
    complaint_id: str,
    topic: str,
    subject: str,
    summary: str,
    detected: datetime,
    base_url: str,
    what: str | None = None,
) -> OperatorNotice:
    """An operator notice about one complaint, once per complaint and `what` (the topic unless given), with the
    complaint's console link."""
    from chalicelib.domain.notice_texts import SNS_SUBJECT_LIMIT, cut

    return OperatorNotice(
        notice_id=f"{complaint_id}.{what or topic}",
        topic=topic,
        subject=cut(subject, SNS_SUBJECT_LIMIT),
        summary=summary,
        detected_at=detected.isoformat(),
        complaint_id=complaint_id,
        link=console_link(base_url, complaint_id),
    )


def quarantine_notice(
    complaint_id: str, quarantine: Quarantine, base_url: str, zone: ZoneInfo, language: Language
) -> OperatorNotice:
    """The operator notice sent once when a complaint is first quarantined, in `language` with times in `zone`:
    which complaint, why (`quarantine.error`, the kind of failure and where, quoted as it is), the next try."""
    from chalicelib.domain.notice_texts import moment

    retry = moment(quarantine.retry_at.astimezone(zone).isoformat())
    if language == "zh-CN":
        subject = f"[投诉时限] 投诉 {complaint_id[:8]} 无法计算时限，已隔离"
        summary = (
            f"投诉 {complaint_id} 无法计算时限（{quarantine.error}），它的提醒暂停发送。"
            f"系统会在 {retry} 再次尝试，之后间隔逐步拉长到每小时一次；其他投诉不受影响。"
            "请在控制台查看这条投诉并修复原因。"
        )
    else:
        subject = f"[complaint SLA] complaint {complaint_id[:8]} cannot be evaluated and is quarantined"
        summary = (
            f"Complaint {complaint_id} could not be evaluated ({quarantine.error}). Its notices are held; the "
            f"scanner retries it (next at {retry}) and every other complaint goes on."
        )
    return _about_complaint(complaint_id, "quarantine", subject, summary, quarantine.since.astimezone(zone), base_url)


def horizon_notice(
    calendar: str, last_confirmed: date, today: date, now: datetime, language: Language
) -> OperatorNotice:
    """The weekly operator notice while a calendar is within 60 days of its last confirmed day, in `language`:
    how long is left, what becomes provisional and what to do."""
    from chalicelib.domain.notice_texts import SNS_SUBJECT_LIMIT, cut

    days_left = (last_confirmed - today).days
    year = last_confirmed.year + 1
    setting = f"calendars.{calendar}.confirmed_years"
    if language == "zh-CN":
        when = f"还有 {days_left} 天" if days_left > 0 else "就是今天" if days_left == 0 else f"已过去 {-days_left} 天"
        subject = f"[投诉时限] 日历 {calendar}：已确认的节假日数据截至 {last_confirmed.isoformat()}"
        summary = (
            f"日历 {calendar} 的节假日与调休安排只确认到 {last_confirmed.isoformat()}（{when}）。"
            f"在 {year} 年的调休安排确认之前，{year} 年的时限只按法定节假日计算，标记为暂定。"
            f"国务院办公厅公布 {year} 年安排后：升级 holidays 软件包（含该年数据的版本），"
            f"或在政策文件的 {setting} 中写入 {year}。之后未结案的投诉会自动重新计算。"
        )
    else:
        when = f"in {days_left} days" if days_left > 0 else "now" if days_left == 0 else f"{-days_left} days ago"
        subject = f"[complaint SLA] calendar {calendar}: confirmed holiday data ends {last_confirmed.isoformat()}"
        summary = (
            f"Calendar {calendar!r} has confirmed working days through {last_confirmed.isoformat()} ({when}). "
            f"Deadlines in {year} are provisional (statutory holidays only) until {year}'s adjusted working days "
            f"are confirmed: upgrade the holidays package once it has them, or declare {year} under "
            f"{setting} in the policy file. Open complaints are then recomputed."
        )
    return OperatorNotice(
        notice_id=f"calendar.{calendar}.{today.isocalendar().year}-W{today.isocalendar().week:02d}",
        topic="calendar_horizon",
        subject=cut(subject, SNS_SUBJECT_LIMIT),
        summary=summary,
        detected_at=now.isoformat(),
        calendar=calendar,
        days_left=days_left,
    )


DETAIL_LIMIT = 200  # characters of an adapter's own description of the last failure a notice carries


def acknowledgement_given_up(
    complaint_id: str,
    owed_since: datetime,
    failure: SendFailure | None,
    detail: str,
    attempts: int,
    base_url: str,
    zone: ZoneInfo,
    language: Language,
    now: datetime,
) -> OperatorNotice:
    """The operator notice sent once when a customer's acknowledgement email is given up: which complaint, since
    when it was owed, how many attempts failed and the last failure in words (`failure`, with the adapter's own
    `detail`, which names a kind of error, never a value). Never the customer's name, email or phone."""
    # notice_texts imports the model, which imports this module: imported here, when the notice is made
    from chalicelib.domain.notice_texts import cut, moment, one_line

    since = moment(owed_since.astimezone(zone).isoformat())
    detail = cut(one_line(detail), DETAIL_LIMIT)
    if language == "zh-CN":
        why = "没有记录到失败原因（发送可能在中途中断）" if failure is None else word(failure, language)
        tried = f"{attempts} 次尝试均失败" if attempts else "尝试次数未记录"
        subject = f"[投诉时限] 投诉 {complaint_id[:8]} 的受理确认邮件未能发出，已停止重试"
        technical = f"技术信息：{detail.rstrip('.')}。" if detail else ""
        summary = (
            f"投诉 {complaint_id} 的受理确认邮件自 {since} 起未能发给客户，{tried}，已停止重试。"
            f"最后一次失败：{why}。{technical}客户尚未收到受理回执：请另行联系客户，并检查邮件服务。"
        )
    else:
        why = "no failure was recorded (a send may have stopped part-way)" if failure is None else word(failure, "en")
        tried = f"{attempts} attempt(s) failed" if attempts else "the attempts were not recorded"
        subject = f"[complaint SLA] complaint {complaint_id[:8]}: acknowledgement email given up"
        summary = (
            f"The acknowledgement email of complaint {complaint_id} has been owed to the customer since {since}; "
            f"{tried} and it is no longer retried. Last failure: {why}."
            + (f" Technical detail: {detail}" if detail else "")
            + " The customer has no receipt by email: contact them another way, and check the mail service."
        )
    return _about_complaint(
        complaint_id, "acknowledgement_given_up", subject, summary, now.astimezone(zone), base_url, "acknowledgement"
    )
