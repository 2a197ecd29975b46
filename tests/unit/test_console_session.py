"""Console sessions: a signed cookie names its person for 12 hours and no longer; an altered or foreign one is
nobody's; CSRF tokens belong to one session; the language follows the switch, then Accept-Language, then Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.auth import StaffAuthenticator, StaffMember, named_hashes
from chalicelib.console.identity import StaffTokenForm
from chalicelib.console.session import SessionSigner, cookie, read_cookies
from chalicelib.console.texts import MESSAGES, Texts, negotiate

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET = "a-session-secret-long-enough-for-the-setting"


def test_a_session_names_its_person_until_it_expires_twelve_hours_later() -> None:
    signer = SessionSigner(SECRET)
    session, value = signer.issue(StaffMember("li.lei"), "token", NOW)
    read = signer.read(value, NOW + timedelta(hours=11, minutes=59))
    assert read is not None
    assert read.member == StaffMember("li.lei")
    assert read.provider == "token"
    assert read.nonce == session.nonce
    assert read.expires_at - read.issued_at == timedelta(hours=12)
    assert signer.read(value, NOW + timedelta(hours=12)) is None


def test_an_altered_or_foreign_cookie_is_nobodys() -> None:
    signer = SessionSigner(SECRET)
    _, value = signer.issue(StaffMember("li.lei"), "token", NOW)
    payload, mac = value.split(".")
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for refused in (
        None,
        "",
        "garbage",
        f"{forged_payload}.{mac}",
        f"{payload}.{mac[:-1]}x",
        value + ".more",
        "x" * 5000,
    ):
        assert signer.read(refused, NOW) is None
    assert SessionSigner(SECRET + "-other").read(value, NOW) is None
    _, login = signer.login_nonce(NOW)
    assert signer.read(login, NOW) is None  # a sign-in form's cookie is not a session


def test_a_csrf_token_belongs_to_one_session() -> None:
    signer = SessionSigner(SECRET)
    first, _ = signer.issue(StaffMember("li.lei"), "token", NOW)
    second, _ = signer.issue(StaffMember("li.lei"), "token", NOW)
    token = signer.csrf_token(first.nonce)
    assert signer.csrf_ok(first.nonce, token)
    assert not signer.csrf_ok(second.nonce, token)
    assert not signer.csrf_ok(first.nonce, None)
    assert not signer.csrf_ok(first.nonce, "")


def test_the_sign_in_forms_nonce_lasts_an_hour() -> None:
    signer = SessionSigner(SECRET)
    nonce, value = signer.login_nonce(NOW)
    assert signer.read_login_nonce(value, NOW + timedelta(minutes=59)) == nonce
    assert signer.read_login_nonce(value, NOW + timedelta(hours=1)) is None


def test_cookies_are_http_only_same_site_strict_and_secure_when_asked() -> None:
    assert cookie("s", "v", "/console", 43200, secure=True) == (
        "s=v; Path=/console; Max-Age=43200; SameSite=Strict; HttpOnly; Secure"
    )
    assert "Secure" not in cookie("s", "v", "/console", 10, secure=False)
    assert read_cookies('a=1; b="2"; broken; a=3') == {"a": "1", "b": "2"}


def test_the_token_form_identifies_the_person_a_token_belongs_to() -> None:
    provider = StaffTokenForm(StaffAuthenticator(named_hashes("", "li.lei=t-li")))
    assert provider.start("/console") is None
    assert provider.identify({"token": " t-li "}) == StaffMember("li.lei")
    assert provider.identify({"token": "wrong"}) is None
    assert provider.identify({}) is None


@pytest.mark.parametrize(
    ("chosen", "accept", "language"),
    [
        (None, None, "zh-CN"),
        (None, "en", "en"),
        (None, "en-GB,en;q=0.8", "en"),
        (None, "fr-FR,en;q=0.5,zh;q=0.9", "zh-CN"),
        (None, "zh-TW", "zh-CN"),
        (None, "fr", "zh-CN"),
        (None, "en;q=0", "zh-CN"),
        ("en", "zh-CN", "en"),
        ("zh-CN", "en", "zh-CN"),
        ("klingon", "en", "en"),
    ],
)
def test_the_language_follows_the_switch_then_accept_language_then_chinese(
    chosen: str | None, accept: str | None, language: str
) -> None:
    assert negotiate(chosen, accept) == language


def test_every_message_has_both_languages_and_durations_read_as_words() -> None:
    from zoneinfo import ZoneInfo

    assert [
        key for key, (chinese, english) in MESSAGES.items() if not english or not (chinese or key == "duration.join")
    ] == []
    zone = ZoneInfo("Asia/Shanghai")
    chinese, english = Texts("zh-CN", zone), Texts("en", zone)
    assert chinese.target("30m", working=False) == "30分钟"
    assert english.target("3h", working=True) == "3 h (working time)"
    assert chinese.target("1d", working=True) == "1个工作日"
    assert english.duration(3900) == "1 h 05 min"
    assert chinese.duration(3900) == "1小时5分钟"  # the notices' wording (`spoken`), without spaces
    assert chinese.duration(3 * 86400 + 7200) == "3天2小时"
    assert chinese.time(NOW) == "2026-11-23 周一 17:00"


@pytest.mark.parametrize(
    ("zone", "at", "chinese", "english"),
    [
        ("Asia/Shanghai", NOW, "北京时间（UTC+8）", "China Standard Time (UTC+8)"),
        ("Asia/Hong_Kong", NOW, "香港时间（UTC+8）", "Hong Kong Time (UTC+8)"),
        ("America/New_York", NOW, "美国东部时间（UTC-5）", "US Eastern Time (UTC-5)"),
        ("America/New_York", datetime(2026, 7, 1, tzinfo=UTC), "美国东部时间（UTC-4）", "US Eastern Time (UTC-4)"),
        ("Asia/Kolkata", NOW, "Kolkata 时间（UTC+5:30）", "Kolkata time (UTC+5:30)"),
        ("Etc/GMT-3", NOW, "UTC+3", "UTC+3"),
        ("UTC", NOW, "协调世界时（UTC）", "Coordinated Universal Time (UTC)"),
    ],
)
def test_a_time_zone_is_named_as_people_call_it_with_its_offset_never_by_its_iana_id(
    zone: str, at: datetime, chinese: str, english: str
) -> None:
    from zoneinfo import ZoneInfo

    assert Texts("zh-CN", ZoneInfo(zone)).zone_name(at) == chinese
    assert Texts("en", ZoneInfo(zone)).zone_name(at) == english


def test_every_reason_a_page_refuses_for_has_words_on_both_pages_in_both_languages() -> None:
    from zoneinfo import ZoneInfo

    from chalicelib.customer.texts import Texts as CustomerTexts
    from chalicelib.web import REASONS as EVERY_REASON

    for language in ("zh-CN", "en"):
        console, customer = Texts(language, ZoneInfo("Asia/Shanghai")), CustomerTexts(language)
        for reason in EVERY_REASON:
            assert console(f"error.{reason}").strip(), reason
            assert customer(reason, what="x").strip(), reason


def test_every_domain_error_has_its_own_problem_and_page_reason() -> None:
    """A new domain error must be given its status, title and the words pages refuse with (web._BY_TYPE), not fall
    to the generic 400 "Bad request"."""
    import inspect

    from chalicelib.domain import errors
    from chalicelib.web import _BY_TYPE

    kinds = [
        kind
        for _, kind in inspect.getmembers(errors, inspect.isclass)
        if issubclass(kind, errors.DomainError) and kind is not errors.DomainError
    ]
    assert len(kinds) >= 11
    rows = {kind for kind, *_ in _BY_TYPE}
    assert [kind.__name__ for kind in kinds if kind not in rows] == []
