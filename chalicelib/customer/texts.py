"""The customer pages' words, in Chinese (default) and English. Values (status, events) come from `words`."""

from __future__ import annotations

from chalicelib.domain.words import Language

_TEXTS: dict[str, tuple[str, str]] = {
    "title": ("投诉处理进度", "Your complaint"),
    "status": ("当前状态", "Status"),
    "subject": ("投诉内容", "Subject"),
    "received": ("提交时间", "Received"),
    "promises": ("我们的承诺", "What we promised"),
    "timeline": ("处理记录", "What has happened"),
    "question": ("问题解决了吗？", "Is it solved?"),
    "yes": ("是的，已解决", "Yes, it is solved"),
    "no": ("没有，还没解决", "No, it is not solved"),
    "reason": ("还有什么问题？（选择“没有”时必填）", "What is still wrong? (needed for “No”)"),
    "survey": ("请为这次处理评分", "Please rate how we handled it"),
    "rating": ("评分", "Rating"),
    "stars": ("{n} 星", "{n} stars"),
    "comment": ("意见（可不填）", "Comment"),
    "send": ("提交", "Send"),
    "thanks": ("感谢您的评价！", "Thank you for your rating!"),
    "language": ("English", "中文"),
    "not_found.title": ("找不到该页面", "Page not found"),
    "not_found": (
        "该链接无效或已过期（投诉关闭 90 天后失效）。如有疑问，请联系我们的客服。",
        "This link is not valid or has expired (links end 90 days after a complaint is closed). Contact us if you "
        "need help.",
    ),
    "too_many": ("访问过于频繁，请稍后再试。", "Too many requests. Please try again in a minute."),
    "csrf": ("页面已过期，请刷新后重新提交。", "This page has expired. Reload it and send again."),
    "conflict": ("此操作现在无法进行，页面已更新。", "This cannot be done now; the page shows where it stands."),
    "invalid": ("请检查您填写的内容：{what}", "Please check what you entered: {what}"),
    "invalid.answer": ("请选择“是的，已解决”或“没有，还没解决”", "choose “Yes, it is solved” or “No”"),
    "invalid.reason": ("请告诉我们还有什么问题", "tell us what is still wrong"),
    "invalid.rating": ("请选择 1 到 5 星", "choose 1 to 5 stars"),
    "invalid.other": ("有一项内容需要修改", "one of the fields needs changing"),
    "list.separator": ("；", "; "),
    "unavailable": ("系统繁忙，请稍后再试。", "We are busy. Please try again shortly."),
    "too_large": (
        "您提交的内容过长，未能保存。请缩短后再提交。",
        "What you sent is too long, so it was not saved. Please shorten it and send again.",
    ),
    "not_a_form": (
        "提交的内容不是网页表单，未能保存。请在本页面填写后提交。",
        "What was sent is not a form from this page, so it was not saved. Please fill in the form on the page.",
    ),
    "twice": (
        "表单中有一项内容提交了两次，未能保存。请刷新页面后重新提交。",
        "The form gave one answer twice, so it was not saved. Reload the page and send again.",
    ),
    "bad_form": (
        "表单内容无法读取，未能保存。请刷新页面后重新提交。",
        "The form could not be read, so it was not saved. Reload the page and send again.",
    ),
    "unreadable": (
        "暂时无法显示或更新此投诉，我们已收到通知并正在处理。",
        "This complaint cannot be shown or changed just now; we have been told and are on it.",
    ),
    "refused": ("此请求未被接受，未能保存。", "This request was not accepted, so nothing was saved."),
    "internal": ("出错了，请稍后再试。", "Something went wrong. Please try again later."),
    "back": ("返回进度页面", "Back to the status page"),
}


class Texts:
    """The words of one page, in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        chinese, english = _TEXTS[key]
        return (chinese if self.language == "zh-CN" else english).format(**values)
