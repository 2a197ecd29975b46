"""The console's words: its own message catalogue (Chinese, the default, and English), the vocabulary's words
(`chalicelib.domain.words`), durations and times as people read them. The language comes from the page's switch
(a cookie), else the browser's Accept-Language, else Chinese."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from chalicelib.domain.durations import parse_target, spoken
from chalicelib.domain.words import DEFAULT_LANGUAGE, LANGUAGES, Language, word

MESSAGES: dict[str, tuple[str, str]] = {  # key -> (zh-CN, en)
    "app.name": ("投诉时限监控", "Complaint SLA monitor"),
    "skip": ("跳到正文", "Skip to content"),
    "language.switch": ("English", "中文"),
    "language.label": ("语言", "Language"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "sign_out": ("退出", "Sign out"),
    "signed_out": ("您已退出。", "You have signed out."),
    "times_in": ("时间均为{zone}。", "Times are in {zone}."),
    "zone.named": ("{name}（{offset}）", "{name} ({offset})"),
    "zone.city": ("{city} 时间（{offset}）", "{city} time ({offset})"),
    # sign-in
    "login.title": ("登录", "Sign in"),
    "login.intro": (
        "请输入管理员发给您的员工令牌。",
        "Enter the staff token your administrator gave you.",
    ),
    "login.token": ("员工令牌", "Staff token"),
    "login.submit": ("登录", "Sign in"),
    "login.refused": ("令牌无效，请检查后重试。", "That token is not valid. Check it and try again."),
    "login.expired": ("请重新登录。", "Please sign in again."),
    # the board
    "board.title": ("投诉看板", "Complaint board"),
    "board.intro": (
        "未关闭的投诉，按下一个违约时限排序：已违约的在最前（超时最久的第一）。",
        "Complaints not yet closed, by their next breach: breached ones first, the most overdue at the top.",
    ),
    "board.as_of": ("更新于 {time}", "As of {time}"),
    "board.refresh": ("刷新", "Refresh"),
    "board.counts": ("各等级数量", "Count per grade"),
    "board.filters": ("筛选", "Filters"),
    "board.who": ("负责人", "Assignee"),
    "board.who.all": ("全部", "Everyone"),
    "board.who.mine": ("我负责的", "Mine"),
    "board.who.unassigned": ("未指派", "Unassigned"),
    "board.priority": ("优先级", "Priority"),
    "board.category": ("类别", "Category"),
    "board.grade": ("等级", "Grade"),
    "board.any": ("全部", "Any"),
    "board.apply": ("筛选", "Filter"),
    "board.clear": ("清除筛选", "Clear filters"),
    "board.empty": ("没有符合条件的投诉。", "No complaint matches."),
    "board.shown": ("显示 {shown} 件", "{shown} shown"),
    "board.col.grade": ("等级", "Grade"),
    "board.col.time": ("剩余时间", "Time left"),
    "board.col.clock": ("时限", "Clock"),
    "board.col.deadline": ("截止", "Deadline"),
    "board.col.subject": ("投诉", "Complaint"),
    "board.col.priority": ("优先级", "Priority"),
    "board.col.category": ("类别", "Category"),
    "board.col.assignee": ("负责人", "Assignee"),
    "board.no_clock": ("无计时", "No clock running"),
    "board.bad_filter": ("筛选条件无效：{names}。", "These filters are not valid: {names}."),
    # a complaint
    "complaint.back": ("返回看板", "Back to the board"),
    "complaint.details": ("详情", "Details"),
    "complaint.status": ("状态", "Status"),
    "complaint.priority": ("优先级", "Priority"),
    "complaint.category": ("类别", "Category"),
    "complaint.complexity": ("复杂度", "Complexity"),
    "complaint.channel": ("渠道", "Channel"),
    "complaint.received": ("收到时间", "Received"),
    "complaint.assignee": ("负责人", "Assignee"),
    "complaint.unassigned": ("未指派", "Unassigned"),
    "complaint.paused": ("计时已暂停：{reason}", "Clocks paused: {reason}"),
    "complaint.satisfaction": ("满意度", "Satisfaction"),
    "complaint.reference": ("外部编号", "External reference"),
    "complaint.customer": ("客户", "Customer"),
    "complaint.customer.name": ("姓名", "Name"),
    "complaint.customer.phone": ("电话", "Phone"),
    "complaint.customer.email": ("邮箱", "Email"),
    "complaint.description": ("投诉内容", "Description"),
    "complaint.no_description": ("（无）", "(none)"),
    "complaint.clocks": ("时限", "Clocks"),
    "complaint.timeline": ("处理记录", "Timeline"),
    "complaint.actions": ("处理", "Actions"),
    "complaint.quarantine": (
        "系统暂时无法计算此投诉的时限，运维人员已收到通知。",
        "The system cannot evaluate this complaint's clocks for now; the operators have been told.",
    ),
    "clock.deadline": ("截止", "Deadline"),
    "clock.target": ("目标时长", "Target"),
    "clock.started": ("开始", "Started"),
    "clock.ended": ("结束", "Ended"),
    "clock.cycle": ("第 {number} 轮", "Round {number}"),
    "clock.used": ("已用 {percent}%", "{percent}% used"),
    "clock.left_working": ("剩余工作时间 {time}", "{time} of working time left"),
    "clock.overdue_working": ("已超时 {time}（工作时间）", "{time} overdue (working time)"),
    "clock.provisional": (
        "暂定期限：该年度的调休安排尚未公布，公布后将重新计算。",
        "Provisional: the year's adjusted working days are not yet published; it will be recomputed then.",
    ),
    "clock.no_deadline": (
        "无法计算期限（缺少节假日数据），运维人员已收到通知。",
        "The deadline cannot be worked out (holiday data missing); the operators have been told.",
    ),
    "clock.unknown": ("无法计算", "unknown"),
    "clock.paused_for": ("暂停原因：{reason}", "Paused: {reason}"),
    "clock.working_time": ("（工作时间）", " (working time)"),
    "countdown.left": ("剩余 {t}", "{t} left"),
    "countdown.overdue": ("已超时 {t}", "{t} overdue"),
    "countdown.days": ("{d}天{h}小时", "{d} d {h} h"),
    "duration.days": ("{n}天", "{n} d"),
    "duration.working_days": ("{n}个工作日", "{n} working days"),
    "duration.hours": ("{n}小时", "{n} h"),
    "duration.minutes": ("{n}分钟", "{n} min"),
    "duration.seconds": ("{n}秒", "{n} s"),
    "duration.join": ("", " "),
    # actions
    "action.respond": ("记录响应", "Respond"),
    "action.progress_update": ("记录进度更新", "Progress update"),
    "action.site_visit": ("记录已上门", "Site visit done"),
    "action.resolve": ("标记已解决", "Resolve"),
    "action.confirm": ("客户已确认", "Customer confirmed"),
    "action.reopen": ("重新打开", "Reopen"),
    "action.resume": ("恢复计时", "Resume clocks"),
    "action.note": ("添加备注", "Add note"),
    "action.assign": ("指派", "Assign"),
    "action.assign_me": ("指派给我", "Assign to me"),
    "action.pause": ("暂停计时", "Pause clocks"),
    "action.reply": ("记录已答复客户", "Replied to the customer"),
    "action.approve": ("记录已审批", "Approved"),
    "action.plan": ("记录已提供处理方案", "Plan delivered"),
    "action.dispatch": ("记录工程师已派出", "Engineer dispatched"),
    "action.handoff": ("转交", "Hand off"),
    "action.agree": ("记录约定时间", "Record the agreed time"),
    "action.triage": ("保存分级", "Save the triage"),
    "action.satisfaction": ("记录满意度", "Record satisfaction"),
    "form.note": ("备注（可选）", "Note (optional)"),
    "form.note_required": ("备注", "Note"),
    "form.assignee": ("指派给（员工账号）", "Assign to (staff name)"),
    "form.reason": ("暂停原因", "Reason"),
    "form.reason_note": ("说明（不可抗力必填）", "What happened (required for force majeure)"),
    "form.customer_informed": (
        "已告知客户各项时限相应顺延（不可抗力必选）",
        "The customer has been told the times are extended (required for force majeure)",
    ),
    "form.score": ("满意度评分", "Score"),
    "form.score_value": ("{score} 分", "{score} of 5"),
    "form.choose": ("请选择", "Choose"),
    "form.main": ("记录处理进展", "Record what was done"),
    "form.assign": ("指派负责人", "Assignee"),
    "form.pause": ("暂停计时", "Pause the clocks"),
    "form.satisfaction": ("满意度调查", "Satisfaction survey"),
    "form.handoff": ("转交责任部门", "Hand off to a department"),
    "form.department": ("责任部门", "Department"),
    "form.agree": ("与客户约定时间", "A time agreed with the customer"),
    "form.clock": ("时限", "Clock"),
    "form.deadline": ("约定的时间", "Agreed time"),
    "form.agree_note": ("与谁约定、为何约定（必填）", "With whom, and why (required)"),
    "form.triage": ("重新分级", "Triage"),
    "form.priority": ("优先级", "Priority"),
    "form.complexity": ("复杂程度", "Complexity"),
    "form.category": ("类别", "Category"),
    "form.flags": ("情况", "Facts"),
    "form.triage_note": ("分级缘由（可选）", "Why (optional)"),
    "form.handoff_note": ("转交说明（可选）", "Hand-off note (optional)"),
    "form.none": ("此投诉当前没有可执行的操作。", "Nothing can be recorded on this complaint now."),
    "done": ("已记录：{event}。", "Recorded: {event}."),
    # why an action was refused
    "refused.transition": (
        "无法执行“{event}”：投诉当前状态为“{status}”。现在可以：{allowed}。",
        "“{event}” cannot be done: the complaint is {status}. It allows now: {allowed}.",
    ),
    "refused.transition_paused": (
        "无法执行“{event}”：投诉当前状态为“{status}”（计时已暂停）。现在可以：{allowed}。",
        "“{event}” cannot be done: the complaint is {status} (clocks paused). It allows now: {allowed}.",
    ),
    "refused.nothing": ("（无）", "nothing"),
    "refused.conflict": (
        "未记录：此投诉刚被其他人修改，或此表单已提交过。下面是最新状态，请确认后重试。",
        "Not recorded: the complaint was just changed by someone else, or this form was already sent. "
        "Below is its current state; check it and try again.",
    ),
    "refused.fields": ("未记录，请检查：{fields}。", "Not recorded. Please check: {fields}."),
    "field.note": ("备注", "note"),
    "field.assignee": ("指派对象", "assignee"),
    "field.reason": ("暂停原因", "reason"),
    "field.score": ("满意度评分", "score"),
    "field.at": ("时间", "time"),
    "field.department": ("责任部门", "department"),
    "field.clock": ("时限", "clock"),
    "field.deadline": ("约定的时间（须晚于现在）", "agreed time (later than now)"),
    "field.triage": ("重新分级须至少改变一项", "a triage must change at least one thing"),
    "field.other": ("表单内容", "the form"),
    "field.force_majeure_note": ("不可抗力须填写说明", "force majeure needs a note saying what happened"),
    "field.customer_informed": (
        "不可抗力须先告知客户时限顺延",
        "the customer must be told first that the times are extended",
    ),
    # timeline
    "by.scanner": ("系统（时限扫描）", "System (deadline scan)"),
    "by.calendar": ("系统（节假日日历）", "System (holiday calendar)"),
    "by.notify": ("系统（事件通知）", "System (event notices)"),
    "by.public_form": ("客户（网站投诉表单）", "The customer (the complaint form on the site)"),
    "by.system": ("外部系统（接口提交）", "Another system (through the API)"),
    "by.customer": ("客户（进度页面）", "The customer (status page)"),
    "timeline.status": ("状态：{before} → {after}", "Status: {before} → {after}"),
    "timeline.assignee": ("指派给 {name}", "Assigned to {name}"),
    "timeline.reason": ("原因：{reason}", "Reason: {reason}"),
    "timeline.score": ("评分：{score}/5", "Score: {score}/5"),
    "timeline.outcome": ("{clock}：{state}", "{clock}: {state}"),
    "timeline.notice": ("{clock} · {level} → {audiences}", "{clock} · {level} → {audiences}"),
    "timeline.channel": ("渠道：{channel}", "Channel: {channel}"),
    "timeline.changed": ("{field}：{before} → {after}", "{field}: {before} → {after}"),
    "timeline.yes": ("是", "yes"),
    "timeline.no": ("否", "no"),
    "timeline.added": ("{clock}：新增时限，期限 {after}", "{clock}: a new clock, deadline {after}"),
    "timeline.recomputed": ("{clock}：期限 {before} → {after}", "{clock}: deadline {before} → {after}"),
    "list.separator": ("、", ", "),
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.csrf": (
        "此表单已过期或不是从本控制台提交的，未执行任何操作。请刷新页面后重试。",
        "This form has expired or did not come from this console; nothing was done. Reload the page and try again.",
    ),
    "error.not_found": ("找不到此投诉。", "There is no such complaint."),
    "error.page_not_found": ("找不到此页面。", "There is no such page."),
    "error.unavailable": ("系统繁忙，请稍后重试。", "The system is busy. Please try again in a moment."),
    "error.unreadable": (
        "此投诉的存储记录无法读取，运维人员已收到通知；修复前无法记录任何操作。",
        "This complaint's stored record cannot be read; the operators have been told. Nothing can be recorded "
        "on it until it is repaired.",
    ),
    "error.bad_form": (
        "表单内容无法读取，未执行任何操作。请刷新页面后重试。",
        "The form could not be read; nothing was done. Reload the page and retry.",
    ),
    "error.too_large": (
        "提交的内容过长，未执行任何操作。请缩短后重试。",
        "What was sent is too long; nothing was done. Shorten it and try again.",
    ),
    "error.not_a_form": (
        "提交的内容不是网页表单，无法读取，未执行任何操作。请在页面上填写后提交。",
        "What was sent is not a web form, so nothing was done. Fill in the form on the page and send it.",
    ),
    "error.twice": (
        "表单中有一项内容提交了两次，无法确定以哪一项为准，未执行任何操作。请刷新页面后重试。",
        "The form gave one field twice, so which value was meant is unknown; nothing was done. Reload the page "
        "and retry.",
    ),
    "error.conflict": (
        "此操作与投诉的当前状态冲突，未执行任何操作。请刷新页面查看最新情况。",
        "This conflicts with where the complaint stands now; nothing was done. Reload the page to see it.",
    ),
    "error.invalid": (
        "提交的内容有误，未执行任何操作。请检查后重试。",
        "Something sent is missing or wrong; nothing was done. Check it and try again.",
    ),
    "error.refused": ("请求未被接受，未执行任何操作。", "The request was refused; nothing was done."),
    "error.internal": (
        "系统内部错误，操作未执行。请稍后重试。",
        "Something went wrong on our side; nothing was done. Please try again.",
    ),
    "error.not_configured": (
        "控制台尚未配置会话密钥（SESSION_SECRET），暂时无法登录，请联系管理员。",
        "The console has no session secret (SESSION_SECRET) yet, so nobody can sign in. Tell your administrator.",
    ),
    "error.home": ("返回看板", "Back to the board"),
    "bounce.title": ("正在打开…", "Opening…"),
    "bounce.continue": ("继续", "Continue"),
}

ZONE_NAMES: dict[str, tuple[str, str]] = {  # IANA zone -> (zh-CN, en): what people call it
    **dict.fromkeys(
        ("Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"),
        ("北京时间", "China Standard Time"),
    ),
    "Asia/Hong_Kong": ("香港时间", "Hong Kong Time"),
    "Asia/Macau": ("澳门时间", "Macau Time"),
    "Asia/Taipei": ("台北时间", "Taipei Time"),
    "Asia/Singapore": ("新加坡时间", "Singapore Time"),
    "Asia/Tokyo": ("日本时间", "Japan Standard Time"),
    "Asia/Seoul": ("韩国时间", "Korea Standard Time"),
    **dict.fromkeys(
        ("UTC", "Etc/UTC", "Etc/UCT", "Etc/Zulu", "Zulu", "UCT"), ("协调世界时", "Coordinated Universal Time")
    ),
    "Europe/London": ("伦敦时间", "London time"),
    "Europe/Paris": ("巴黎时间", "Paris time"),
    "Europe/Berlin": ("柏林时间", "Berlin time"),
    "America/New_York": ("美国东部时间", "US Eastern Time"),
    "America/Los_Angeles": ("美国太平洋时间", "US Pacific Time"),
}

WEEKDAYS = (
    ("周一", "Mon"),
    ("周二", "Tue"),
    ("周三", "Wed"),
    ("周四", "Thu"),
    ("周五", "Fri"),
    ("周六", "Sat"),
    ("周日", "Sun"),
)


def negotiate(chosen: str | None, accept_language: str | None) -> Language:
    """The page's language: the switch's choice, else the first language of Accept-Language we speak (by its
    q-value), else Chinese."""
    if chosen in LANGUAGES:
        return chosen
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate((accept_language or "")[:512].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary == "zh":
            ranked.append((quality, position, "zh-CN"))
        elif primary == "en":
            ranked.append((quality, position, "en"))
    ranked = [entry for entry in ranked if entry[0] > 0]
    if not ranked:
        return DEFAULT_LANGUAGE
    return min(ranked, key=lambda entry: (-entry[0], entry[1]))[2]


class Texts:
    """Everything the console says, in one language."""

    def __init__(self, language: Language, zone: ZoneInfo) -> None:
        self.language = language
        self.zone = zone
        self._index = 0 if language == "zh-CN" else 1

    def __call__(self, key: str, **values: object) -> str:
        """A message of the catalogue, its `{placeholders}` filled in."""
        template = MESSAGES[key][self._index]
        return template.format(**values) if values else template

    def word(self, value: StrEnum) -> str:
        """The word for a value of the vocabulary."""
        return word(value, self.language)

    def listing(self, items: list[str]) -> str:
        """Items as one phrase: 甲、乙 / a, b."""
        return self("list.separator").join(items) if items else self("refused.nothing")

    def duration(self, seconds: int) -> str:
        """How long, worded as notices and digests word it (`spoken`), without spaces in Chinese: 1小时5分钟 /
        1 h 05 min; from two days on, days and hours."""
        return spoken(seconds, self.language, compact=True)

    def target(self, text: str, working: bool) -> str:
        """A policy target (`30m`, `3h`, `1d`) in words; days are working days on a business calendar."""
        target = parse_target(text)
        hours, rest = divmod(target.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        parts = []
        if target.days:
            parts.append(self("duration.working_days" if working else "duration.days", n=target.days))
        parts += [
            self(key, n=amount)
            for key, amount in (("duration.hours", hours), ("duration.minutes", minutes), ("duration.seconds", seconds))
            if amount
        ]
        shown = self("duration.join").join(parts)
        return shown + self("clock.working_time") if working and target.seconds else shown

    def zone_name(self, now: datetime) -> str:
        """The policy's zone as people call it, with its offset from UTC at `now`: 北京时间（UTC+8） / China Standard
        Time (UTC+8); a zone without a name of ours by its city (Kolkata time (UTC+5:30)), never its IANA id."""
        offset = now.astimezone(self.zone).utcoffset() or timedelta(0)
        minutes = round(offset.total_seconds() / 60)
        hours, rest = divmod(abs(minutes), 60)
        shown = "UTC"
        if minutes:
            shown += ("+" if minutes > 0 else "-") + str(hours) + (f":{rest:02d}" if rest else "")
        key = self.zone.key or ""
        named = ZONE_NAMES.get(key)
        if named is not None:
            return self("zone.named", name=named[self._index], offset=shown)
        if "/" not in key or key.startswith("Etc/"):
            return shown
        return self("zone.city", city=key.rsplit("/", 1)[-1].replace("_", " "), offset=shown)

    def time(self, moment: datetime, *, year: bool = True) -> str:
        """An instant in the policy's zone: 2026-11-23 周一 15:30 (the year left out where it goes without saying)."""
        local = moment.astimezone(self.zone)
        day = WEEKDAYS[local.weekday()][self._index]
        date = f"{local:%Y-%m-%d}" if year else f"{local:%m-%d}"
        return f"{date} {day} {local:%H:%M}"
