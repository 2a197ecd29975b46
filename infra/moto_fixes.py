"""Fixes to moto (5.x) for the local stack and the tests: four to its DynamoDB, whose semantics stay moto's, and
one to its server.

1. moto's TransactWriteItems backs up the *whole table* with `copy.deepcopy` once per item of every
   transaction (to roll back on failure): a write costs O(items stored), ~1.7 s at 500 items, which makes a
   stack holding thousands of complaints unusable. `transact_write_items` below backs up only the items the
   transaction touches; conditions, validation and errors are moto's own.
2. moto's backends are not thread-safe (a threaded server or concurrent test clients see "dictionary changed
   size during iteration"); real DynamoDB serves each request atomically. Every DynamoDB request is
   serialized with one lock.
3. moto answers every Query on an index by sorting the whole table, comparing keys through `DynamoType.__lt__`
   (which casts both values at every comparison): ~3 s per Query at 20,000 items. `all_items` below computes each
   item's sort key once; the order is the same.
4. moto checks the 400 KB item limit by re-measuring the whole item at every attribute it sets (quadratic in the
   attributes: ~2.5 ms to store a complaint). The check below keeps the item's running size; the limit is the same.
5. moto's server finds the service of each request by listing moto's package directory (a `stat` per service,
   about 200) while it holds its one dispatch lock: about a tenth of the local stack's time under load, with every
   request queued behind it. The list never changes while the process runs; it is made once.

`apply()` is idempotent; the local stack and the test suite call it before talking to moto.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_LOCK = threading.RLock()
LOCK = _LOCK  # held for each DynamoDB request: hold it to see the tables between requests (infra/local_state.py)
_applied = False


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    touched: list[tuple[str, dict[str, Any], Any]] = []  # (table, key, the item before, or None)
    seen: set[tuple[str, str]] = set()
    errors: list[tuple[Any, Any, Any]] = []

    def rollback() -> None:
        for table_name, key, before in reversed(touched):
            table = self.get_table(table_name)
            hash_value, range_value = self.get_keys_value(table, key)
            if before is None:
                if table.get_item(hash_value, range_value) is not None:
                    table.delete_item(hash_value, range_value)
            else:
                table.put_item(before.to_json()["Attributes"])

    for entry in transact_items:
        original_item = None
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            table = self.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            identity = (str(table_name), str(dict(sorted(key.items()))))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)
            current = self.get_item(table_name, key)
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            condition = op.get("ConditionExpression")
            if condition is not None and not get_filter_expression(condition, names, values).expr(current):
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    original_item = current.to_json()["Attributes"]
                raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                touched.append((table_name, key, copy.deepcopy(current)))
            if op_type == "Put":
                self.put_item(table_name, op["Item"], condition_expression=condition,
                              expression_attribute_names=names, expression_attribute_values=values)  # fmt: skip
            elif op_type == "Delete":
                self.delete_item(table_name, key, condition_expression=condition,
                                 expression_attribute_names=names, expression_attribute_values=values)  # fmt: skip
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 condition_expression=condition, expression_attribute_names=names,
                                 expression_attribute_values=values)  # fmt: skip
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            rollback()
            raise
        except ConditionalCheckFailed as exc:
            errors.append(("ConditionalCheckFailed", str(exc.message), original_item))
        except Exception as exc:  # noqa: BLE001 - moto reports any other failure as a cancellation reason
            errors.append((type(exc).__name__, str(exc), original_item))
    if any(code is not None for code, _, _ in errors):
        rollback()
        raise TransactionCanceledException(errors)


def _all_items(self: Any) -> list[Any]:
    def key(item: Any) -> tuple[Any, ...]:
        hash_key, range_key = item.hash_key, item.range_key
        first = (hash_key.type, hash_key.cast_value)
        return first + ((range_key.type, range_key.cast_value) if range_key else ())

    items: list[Any] = []
    for hash_set in self.items.values():
        if self.range_key_attr:
            items.extend(hash_set.values())
        else:
            items.append(hash_set)
    return sorted(items, key=key)


def _limited_setitem(self: Any, key: str, value: Any) -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    def size(name: str, entry: Any) -> int:
        return int(bytesize(name) + (entry.size() if type(entry) is DynamoType else bytesize(str(entry))))

    known = self.__dict__.get("_sized")
    if known is None or known[0] != len(self):  # first set after __init__'s update, or after a deletion
        known = (len(self), sum(size(name, entry) for name, entry in self.items()))
    total = known[1] - (size(key, self[key]) if key in self else 0) + size(key, value)
    if total > 405000:
        raise ItemSizeTooLarge
    dict.__setitem__(self, key, value)
    self.__dict__["_sized"] = (len(self), total)


def apply() -> None:
    """Install the fixes (once)."""
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
    LimitedSizeDict.__setitem__ = _limited_setitem  # type: ignore[method-assign]
    original_call_action = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _LOCK:
            return original_call_action(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    _cache_module_list()
    _applied = True


def _cache_module_list() -> None:
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
