"""The local stack's data kept across restarts: a snapshot of the emulator's DynamoDB items in LOCAL_STATE_DIR
(default .local-state/), written every LOCAL_STATE_INTERVAL seconds (2) while something changed and once more on
stop, put back on start. A `kill -9` loses at most the writes of the last interval. `make reset`
(`python -m infra.local_state reset`) empties the directory.

Everything the app keeps is in its one table (complaints, audit trails, notices and their delivery state, claims,
report counters), so the table is all that is kept; the topics, queues and the SES sender are made again at start
from infra/resources.yaml, and sent emails are already in outbox/.

How a snapshot stays consistent and cheap: every DynamoDB write moto applies goes through its backend's put_item,
update_item or delete_item (TransactWriteItems and BatchWriteItem call them too); those three mark their item dirty.
A snapshot reads and serializes only the dirty items, holding the lock every DynamoDB request holds
(infra/moto_fixes.py), so it sees each request, a transaction included, whole or not at all; then, outside the lock,
it joins every item's JSON into the file, written to a temporary name and renamed over the last one, so a kill in
mid-write leaves the previous snapshot.

Why not moto's own recorder (MOTO_ENABLE_RECORDING and /moto-api/recorder/): it appends every request to a file and
replays them all on start. That file grows with every request, reads included (each minute's scan, the console's
queue polling every second), so a start replays days of traffic; and the replay sends again every SNS publish and
SES email of the past, so every notice would be printed and every digest written to outbox/ once more at each start.
A snapshot is as large as the data, starts in time proportional to it, and replays nothing.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from infra import moto_fixes

SNAPSHOT = "dynamodb.json"
LOCK = "lock"
FORMAT = 1
DEFAULT_INTERVAL = 2.0


class StateError(Exception):
    """The state directory cannot be used as it is; the message says why and what to do."""


_tracking: LocalState | None = None
_installed = False


def _install() -> None:
    """Mark the item of every DynamoDB write dirty while a LocalState is open (installed once)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoDBBackend, name, _marking(getattr(DynamoDBBackend, name)))
    _installed = True


def _marking(write: Callable[..., Any]) -> Callable[..., Any]:
    def marked(backend: Any, table_name: str, item_or_key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return write(backend, table_name, item_or_key, *args, **kwargs)
        finally:
            state = _tracking
            if state is not None:
                state.touched(table_name, item_or_key)

    return marked


def _say(text: str) -> None:
    print(text, flush=True)


@dataclass(eq=False)
class LocalState:
    """Restores the emulator's tables from `directory` and keeps the snapshot there up to date."""

    directory: Path
    interval: float = DEFAULT_INTERVAL
    account: str = "123456789012"
    region: str = "us-east-1"
    say: Callable[[str], None] = _say
    _items: dict[str, dict[str, str]] = field(init=False, repr=False, default_factory=dict)
    """table -> item key -> the item, as the snapshot's JSON"""
    _aside: dict[str, list[str]] = field(init=False, repr=False, default_factory=dict)
    """items of tables the template no longer has, kept as they were"""
    _dirty: set[tuple[str, str]] = field(init=False, repr=False, default_factory=set)
    _lock_file: TextIO | None = field(init=False, repr=False, default=None)
    _stopping: threading.Event = field(init=False, repr=False, default_factory=threading.Event)
    _thread: threading.Thread | None = field(init=False, repr=False, default=None)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], root: Path) -> LocalState:
        directory = Path(environ.get("LOCAL_STATE_DIR") or root / ".local-state")
        return cls(directory.resolve(), float(environ.get("LOCAL_STATE_INTERVAL") or DEFAULT_INTERVAL))

    @property
    def snapshot(self) -> Path:
        return self.directory / SNAPSHOT

    def _backend(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.account][self.region]

    def open(self) -> int:
        """Take the directory (one stack at a time), put the snapshot's items back into the tables (made already),
        start keeping it; the number of items restored."""
        global _tracking
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_file = _take(self.directory / LOCK)
        try:
            restored = self._restore()
        except BaseException:
            self._release()
            raise
        _install()
        _tracking = self
        self._thread = threading.Thread(target=self._keep, daemon=True, name="local-state")
        self._thread.start()
        return restored

    def _restore(self) -> int:
        if not self.snapshot.exists():
            return 0
        try:
            saved = json.loads(self.snapshot.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise StateError(f"{self.snapshot} is unreadable ({exc}); `make reset` starts empty") from None
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            raise StateError(f"{self.snapshot} is not a snapshot this version reads; `make reset` starts empty")
        backend = self._backend()
        count = 0
        with moto_fixes.LOCK:
            for table_name, items in saved["tables"].items():
                if table_name not in backend.tables:
                    self._aside[table_name] = [_json(attributes) for attributes in items]
                    self.say(f"[state] {table_name} is not in infra/resources.yaml: its items stay in the snapshot")
                    continue
                table = backend.get_table(table_name)
                kept = self._items.setdefault(table_name, {})
                for attributes in items:
                    try:
                        key = _key(table, attributes)
                    except KeyError:
                        raise StateError(
                            f"{self.snapshot} holds {table_name} items without its key ({table.hash_key_attr}, "
                            f"{table.range_key_attr}): the table's layout changed; `make reset` starts empty"
                        ) from None
                    backend.put_item(table_name, attributes)
                    kept[key] = _json(attributes)
                    count += 1
        return count

    def touched(self, table_name: str, item_or_key: dict[str, Any]) -> None:
        """A write reached this item (called with the DynamoDB lock held)."""
        table = self._backend().tables.get(table_name)
        if table is None or not all(name in item_or_key for name in _key_names(table)):
            return  # a request moto refused before it wrote anything
        self._dirty.add((table_name, _key(table, item_or_key)))

    def save(self) -> bool:
        """Bring the snapshot up to date; False when nothing changed since the last one."""
        backend = self._backend()
        with moto_fixes.LOCK:
            dirty, self._dirty = self._dirty, set()
            for table_name, key in dirty:
                table = backend.get_table(table_name)
                item = backend.get_item(table_name, dict(zip(_key_names(table), json.loads(key), strict=True)))
                kept = self._items.setdefault(table_name, {})
                if item is None:
                    kept.pop(key, None)
                else:
                    kept[key] = _json(item.to_json()["Attributes"])
            tables = {**self._aside, **{name: list(items.values()) for name, items in self._items.items()}}
        if not dirty and self.snapshot.exists():
            return False
        # Items are serialized once, when they change: the file is their JSON joined, outside the lock.
        body = ",".join(f"{_json(name)}:[{','.join(items)}]" for name, items in tables.items())
        text = f'{{"format":{FORMAT},"tables":{{{body}}}}}'
        temporary = self.snapshot.with_name(SNAPSHOT + ".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.snapshot)
        return True

    def _keep(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.save()
            except OSError as exc:
                self.say(f"[state] could not write {self.snapshot}: {exc}; trying again in {self.interval:g} s")

    def close(self) -> None:
        """Stop keeping: one last snapshot, then the directory is free."""
        global _tracking
        if self._lock_file is None:
            return
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        try:
            self.save()
        finally:
            _tracking = None
            self._release()

    def _release(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the descriptor releases the lock; the kernel does it on a kill too
            self._lock_file = None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_binary)


def _binary(value: Any) -> str:
    """A binary attribute's bytes as DynamoDB's wire form has them (base64), which moto takes back as they are."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} cannot be kept in a snapshot")


def _key_names(table: Any) -> list[str]:
    return [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])


def _key(table: Any, attributes: Mapping[str, Any]) -> str:
    return json.dumps([attributes[name] for name in _key_names(table)], sort_keys=True)


def _take(path: Path) -> TextIO:
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StateError(
            f"another local stack is using {path.parent}: stop it first, or give this one another LOCAL_STATE_DIR"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def reset(directory: Path) -> str:
    """Empty the state directory (refused while a stack is using it); what was done."""
    if not directory.exists():
        return f"{directory} holds nothing: the next `make run` starts empty"
    handle = _take(directory / LOCK)
    try:
        for name in (SNAPSHOT, SNAPSHOT + ".tmp"):
            (directory / name).unlink(missing_ok=True)
    finally:
        handle.close()
    (directory / LOCK).unlink(missing_ok=True)
    if not any(directory.iterdir()):
        directory.rmdir()
    return f"emptied {directory}: the next `make run` starts empty"


def main(argv: list[str]) -> int:
    if argv != ["reset"]:
        print("usage: python -m infra.local_state reset   (LOCAL_STATE_DIR names the directory)")
        return 2
    root = Path(__file__).resolve().parent.parent
    try:
        print(reset(LocalState.from_environ(os.environ, root).directory))
    except StateError as exc:
        print(f"not reset: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
