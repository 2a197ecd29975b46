"""A pytest plugin: no log record emitted during the test session may carry a customer's contact details.

A handler on the root logger (and on every logger that does not propagate, such as the Chalice app's own
`complaint-sla-monitor`) sees every record of the session; the app's loggers are kept at DEBUG so that debug
records are produced and checked too. Each record is formatted (message, exception and stack text) and searched
for the contact details the tests use: the known ones below plus every `customer_name` / `customer_email` /
`customer_phone` value written in tests/ (phones also with their separators squeezed out). At the end of the
session any hit fails the session (exit status 1) and is printed with its logger, level, source line and test.

Registered from tests/conftest.py (`pytest_plugins = ["tests.privacy"]`); `-p tests.privacy` loads it anywhere.
Under pytest-xdist each worker checks its own records and hands what it found to the controller, which reports.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Generator, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
APP_LOGGERS = ("complaint-sla-monitor", "chalicelib")

# Contact details the tests use (grep tests/ for customer_name, customer_email, customer_phone, "customer": {...}).
KNOWN_CUSTOMER_DETAILS: tuple[str, ...] = (
    "张三",
    "李四",
    "王五",
    "赵六",
    "测试客户",
    "zhang.san@example.com",
    "customer@example.com",
    "zhao.liu@example.com",
    "a@b.cn",
    "13800138000",
    "138 0013 8000",
    "+86 138 0013 8000",
    "13912345678",
    "+86 139 1234 5678",
)

_ASSIGNED = re.compile(r"""["']?\b(customer_name|customer_email|customer_phone)\b["']?\s*[:=]\s*["']([^"'\n]+)["']""")
_NESTED = re.compile(r"""["']customer["']\s*:\s*\{([^{}]*)\}""")
_NESTED_FIELD = re.compile(r"""["'](name|email|phone)["']\s*:\s*["']([^"'\n]+)["']""")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_DIGITS_GAP = re.compile(r"(?<=\d)[\s\-().]+(?=\d)")
_KIND = {"customer_name": "name", "customer_email": "email", "customer_phone": "phone"}
_CHECKED = "_privacy_checked"


def _plausible(kind: str, value: str) -> bool:
    value = value.strip()
    if kind == "email":
        return bool(_EMAIL.match(value))
    if kind == "phone":
        return sum(char.isdigit() for char in value) >= 7
    # A name: at least two characters, and not a one-letter placeholder such as "x" or "n".
    return len(value) >= 2 and (not value.isascii() or len(value) >= 4)


def harvest(sources: Iterable[str]) -> set[str]:
    """The customer names, emails and phones written in test sources."""
    found: set[str] = set()
    for text in sources:
        for field, value in _ASSIGNED.findall(text):
            if _plausible(_KIND[field], value):
                found.add(value.strip())
        for body in _NESTED.findall(text):
            for kind, value in _NESTED_FIELD.findall(body):
                if _plausible(kind, value):
                    found.add(value.strip())
    return found


def customer_details(root: Path = TESTS) -> tuple[str, ...]:
    """Every contact detail to look for: the known ones and those harvested from the test sources."""
    texts = []
    for path in sorted(root.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return tuple(sorted(set(KNOWN_CUSTOMER_DETAILS) | harvest(texts)))


def _phone_digits(detail: str) -> str | None:
    """A phone's national number (its last 11 digits, or all of them) when the detail is a phone."""
    digits = "".join(char for char in detail if char.isdigit())
    if "@" in detail or len(digits) < 7:
        return None
    return digits[-11:]


@dataclass(frozen=True)
class Leak:
    detail: str
    logger: str
    level: str
    where: str
    test: str
    text: str


class LeakDetector(logging.Handler):
    """Checks each record as it is emitted; keeps the ones that carry a contact detail."""

    def __init__(self, details: Iterable[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.details = tuple(details)
        self.phones = {detail: digits for detail in self.details if (digits := _phone_digits(detail))}
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[Leak] = []
        self.records = 0
        self.test = "(outside any test)"

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, _CHECKED, False):  # reached again through a second logger that has this handler
            return
        setattr(record, _CHECKED, True)
        self.records += 1
        try:
            text = self.format(record)
        except Exception:  # a record whose arguments do not fit its message: check the raw parts
            text = f"{record.msg!r} {record.args!r}"
        found = next((detail for detail in self.details if detail in text), None)
        if found is None:  # a phone written with other separators (138-0013-8000, +8613800138000)
            squeezed = _DIGITS_GAP.sub("", text)
            found = next((detail for detail, digits in self.phones.items() if digits in squeezed), None)
        if found is not None:
            where = f"{record.pathname}:{record.lineno}"
            self.leaks.append(Leak(found, record.name, record.levelname, where, self.test, text))

    def attach(self) -> None:
        """On the root logger and on every logger that does not propagate to it; app loggers at DEBUG."""
        root = logging.getLogger()
        if self not in root.handlers:
            root.addHandler(self)
        for name in APP_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET or logger.level > logging.DEBUG:
                logger.setLevel(logging.DEBUG)
        for known in list(logging.Logger.manager.loggerDict.values()):
            if isinstance(known, logging.Logger) and not known.propagate and self not in known.handlers:
                known.addHandler(self)

    def detach(self) -> None:
        loggers: list[object] = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        for logger in loggers:
            if isinstance(logger, logging.Logger) and self in logger.handlers:
                logger.removeHandler(self)


_KEY = pytest.StashKey[LeakDetector]()
_WORKER_LEAKS = "privacy_leaks"
_WORKER_RECORDS = "privacy_records"


def pytest_configure(config: pytest.Config) -> None:
    detector = LeakDetector(customer_details())
    config.stash[_KEY] = detector
    # The app's logger exists before the app does: Chalice then keeps this handler when it configures it.
    for name in APP_LOGGERS:
        logging.getLogger(name).addHandler(detector)
    detector.attach()


def pytest_unconfigure(config: pytest.Config) -> None:
    detector = config.stash.get(_KEY, None)
    if detector is not None:
        detector.detach()


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[_KEY].attach()  # modules imported by collection (app.py) may have reset levels


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    detector = item.config.stash[_KEY]
    detector.test = item.nodeid
    try:
        return (yield)
    finally:
        detector.test = "(outside any test)"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_KEY].attach()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    item.config.stash[_KEY].attach()  # fixtures may have imported app.py, which sets its logger to INFO


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    detector = session.config.stash.get(_KEY, None)
    if detector is None:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the findings to the controller, which fails the session
        workeroutput[_WORKER_LEAKS] = [asdict(leak) for leak in detector.leaks]
        workeroutput[_WORKER_RECORDS] = detector.records
        return
    if not detector.leaks:
        return
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if session.config.pluginmanager.get_plugin("terminalreporter") is None:
        sys.stderr.write("\n".join(_report(detector)) + "\n")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist, on the controller: collect what a finished worker's detector found."""
    detector = node.config.stash.get(_KEY, None)
    output = getattr(node, "workeroutput", None) or {}
    if detector is not None:
        detector.leaks.extend(Leak(**leak) for leak in output.get(_WORKER_LEAKS, []))
        detector.records += int(output.get(_WORKER_RECORDS, 0))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    detector = terminalreporter.config.stash.get(_KEY, None)
    if detector is None or not detector.leaks:
        return
    terminalreporter.section("privacy: customer contact details in log records", sep="=", red=True, bold=True)
    for line in _report(detector):
        terminalreporter.line(line, red=True)


def _report(detector: LeakDetector) -> list[str]:
    lines = [
        f"{len(detector.leaks)} of {detector.records} log records carry a customer's contact details; "
        "the session fails:"
    ]
    for leak in detector.leaks:
        lines.append(f"- {leak.test}: {leak.logger} {leak.level} at {leak.where} carries {leak.detail!r}:")
        lines.extend(f"    {line}" for line in leak.text.splitlines()[:20])
    return lines
