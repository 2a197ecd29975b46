"""Reading form payloads (pure): paths with label alternatives and key wildcards, answers read as their value,
labels translated through the built-in and per-source tables, and the sources file's load-time checks."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidFields
from chalicelib.domain.mapping import PathError, answer_value, normal, parse_path, resolve
from chalicelib.domain.sources import SourcesError, SourceSpec, map_delivery, parse_sources
from chalicelib.settings import DEFAULT_SOURCES_FILE

NOW = datetime(2026, 11, 22, 4, tzinfo=UTC)

FIELDS = {
    "fields": [
        {"key": "q1", "label": "Phone number", "value": "+32491223344"},
        {"key": "q2", "label": "电话", "value": "13800138000"},
        {"key": "q3", "label": "ＥＭＡＩＬ", "value": "a@b.cn"},
    ]
}


def map_payload(payload: dict[str, Any], source: SourceSpec, now: datetime) -> dict[str, Any]:
    """What `map_delivery` maps, a field the source may not set refused at once (as the intake refuses it)."""
    mapped, refused = map_delivery(payload, source, now)
    if refused:
        raise InvalidFields(refused)
    return mapped


def test_label_alternatives_are_tried_in_their_order() -> None:
    assert resolve(FIELDS, "fields[label=电话|Phone number].value") == "13800138000"
    assert resolve(FIELDS, "fields[label=Phone|Phone number|电话].value") == "+32491223344"
    assert resolve(FIELDS, "fields[label=Fax|传真]") is None


def test_labels_match_ignoring_case_full_width_and_spaces() -> None:
    assert resolve(FIELDS, "fields[label=email].value") == "a@b.cn"
    assert resolve(FIELDS, "fields[label=  PHONE   number ].value") == "+32491223344"


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30))
def test_a_full_width_label_is_the_same_as_its_half_width_form(text: str) -> None:
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in text)
    assert normal(full_width) == normal(text) == normal(text.upper())


def test_a_key_wildcard_and_key_alternatives_find_a_jotform_question() -> None:
    raw = {"q3_name": {"first": "Niloth", "last": "P"}, "q12_phoneNumber": {"area": "010", "phone": "12345678"}}
    assert resolve(raw, "q*_fullName|q*_name") == {"first": "Niloth", "last": "P"}
    assert resolve(raw, "q*_phone|q*_phoneNumber") == {"area": "010", "phone": "12345678"}
    assert resolve(raw, "q*_email") is None
    assert resolve(raw, "q*_Name") is None  # keys are matched exactly (Jotform's Unique Names are case-sensitive)


def test_indexes_and_missing_steps() -> None:
    payload = {"a": [{"b": "x"}, {"b": "y"}], "s": "text"}
    assert resolve(payload, "a.1.b") == "y"
    assert resolve(payload, "a.2.b") is None
    assert resolve(payload, "s.b") is None
    assert resolve(payload, "a[b=y]") == {"b": "y"}
    assert resolve(payload, "s[b=y]") is None


@pytest.mark.parametrize(
    "path",
    ["", " a", "a..b", "a[b=c", "a]b", "a[b[c]=d]", "a[=c]", "a[b=]", "a[b=c|]", "a||b", "a[b.[c]=d]", "a[b=c]d"],
)
def test_a_path_that_cannot_be_read_is_refused(path: str) -> None:
    with pytest.raises(PathError):
        parse_path(path)


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ({"type": "text", "text": "Laura", "field": {"id": "x"}}, "Laura"),
        ({"type": "email", "email": "laura@example.com"}, "laura@example.com"),
        ({"type": "phone_number", "phone_number": "+8613800138000"}, "+8613800138000"),
        ({"type": "choice", "choice": {"id": "c1", "label": "产品质量", "ref": "r"}}, "产品质量"),
        ({"type": "choice", "choice": {"other": "别的"}}, "别的"),
        ({"type": "choices", "choices": {"labels": ["服务", "员工"]}}, ["服务", "员工"]),
        ({"type": "choices", "choices": {"labels": ["服务"], "other": "其他"}}, ["服务", "其他"]),
        ({"key": "priority", "type": "text", "text": "紧急"}, "紧急"),
        (
            {
                "label": "类别",
                "type": "DROPDOWN",
                "value": ["b"],
                "options": [{"id": "a", "text": "产品质量"}, {"id": "b", "text": "服务"}],
            },
            ["服务"],
        ),
        (
            {"label": "Checks", "type": "CHECKBOXES", "value": ["a", "zz"], "options": [{"id": "a", "text": "A"}]},
            ["A", "zz"],
        ),
        ({"label": "Phone number", "type": "INPUT_PHONE_NUMBER", "value": "+32491223344"}, "+32491223344"),
        ({"label": "Empty", "type": "INPUT_TEXT", "value": None}, None),
        ({"first": "Niloth", "last": "P"}, "Niloth P"),
        ({"first": " ", "last": ""}, None),
        ({"month": "", "day": 3}, {"month": "", "day": 3}),
        ("plain", "plain"),
    ],
)
def test_an_answer_is_read_as_its_value(answer: Any, value: Any) -> None:
    assert answer_value(answer) == value


def spec(text: str) -> SourceSpec:
    return parse_sources(
        "sources:\n  web: {auth: public}\n  s:\n" + textwrap.indent(textwrap.dedent(text), "    "), "test.yaml"
    ).sources["s"]


def test_several_answers_where_one_is_expected_name_the_field() -> None:
    source = spec("""
        auth: standard
        fields:
          category: answers[title=Category]
    """)
    payload = {"answers": [{"title": "Category", "value": ["服务", "员工"]}]}
    with pytest.raises(InvalidFields) as raised:
        map_payload(payload, source, NOW)
    assert [(e.field, e.message) for e in raised.value.errors] == [("category", "has 2 answers where one is expected")]


def test_a_sources_values_table_adds_to_the_built_in_names() -> None:
    source = spec("""
        auth: standard
        fields:
          category: {path: c, values: {"售后": service}}
          priority: {path: p, values: {"P0": urgent}}
          customer_tier: {path: t, values: {"金卡会员": gold}}
    """)
    assert map_payload({"c": "售后", "p": "p0", "t": "金卡会员"}, source, NOW) == {
        "category": "service",
        "priority": "urgent",
        "customer_tier": "gold",
    }
    assert map_payload({"c": "产品质量", "p": "重要"}, source, NOW) == {
        "category": "product_quality",
        "priority": "important",
    }
    assert map_payload({"c": "Unknown"}, source, NOW) == {"category": "Unknown"}  # validation then names it


def test_a_naive_time_takes_the_fields_time_zone_and_an_aware_one_keeps_its_own() -> None:
    source = spec("""
        auth: standard
        fields:
          received_at: {path: at, time_zone: Asia/Shanghai}
    """)
    assert map_payload({"at": "2016-08-23 10:01:59"}, source, NOW) == {"received_at": "2016-08-23T10:01:59+08:00"}
    assert map_payload({"at": "2016-08-23T02:01:59Z"}, source, NOW) == {"received_at": "2016-08-23T02:01:59Z"}
    assert map_payload({"at": "yesterday"}, source, NOW) == {"received_at": "yesterday"}


def test_a_priority_from_a_tally_hidden_field_is_refused() -> None:
    source = spec("""
        auth: tally
        fields:
          external_id: id
          priority: fields[label=priority]
    """)
    payload = {"id": "r1", "fields": [{"label": "priority", "type": "HIDDEN_FIELDS", "value": "urgent"}]}
    with pytest.raises(InvalidFields) as raised:
        map_payload(payload, source, NOW)
    assert [e.field for e in raised.value.errors] == ["priority"]


def test_a_source_signed_without_a_timestamp_needs_a_submission_id_in_each_delivery() -> None:
    source = spec("""
        auth: token
        fields:
          external_id: id
          subject: s
    """)
    with pytest.raises(InvalidFields) as raised:
        map_payload({"s": "x"}, source, NOW)
    assert [e.field for e in raised.value.errors] == ["external_id"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("auth: typeform\nfields: {priority: form_response.hidden.priority, external_id: t}", "hidden field"),
        ("auth: typeform\nfields: {subject: s}", "map external_id"),
        ("auth: tally\nfields: {subject: s}", "map external_id"),
        ("auth: token\nfields: {subject: s}", "map external_id"),
        ("auth: standard\ncors_origins: ['https://a.example']", "only a public source"),
        ("auth: token\nhoneypot: website\nfields: {external_id: x}", "only a public source"),
        ("auth: signed", "auth"),
        ("kind: signed", "kind"),
        ("auth: standard\nfields: {colour: c}", "'colour' is not a complaint field"),
        ("auth: standard\nfields: {subject: 'a[b=c'}", "subject.path"),
        ("auth: standard\nfields: {subject: {path: s, time_zone: Mars/Olympus}}", "not an IANA time zone"),
        ("auth: standard\naccept: {event_type: []}", "no accepted value"),
        ("auth: standard\naccept: {'a[': x}", "accept"),
        ("auth: standard\nmapping: {subject: s}", "mapping"),
        ("auth: standard\ntitle: '  '", "a title is one line of text"),
        ('auth: standard\ntitle: "合作方\\n系统"', "a title is one line of text"),
        ("auth: standard\ntitle: ''", "title"),
    ],
)
def test_a_bad_source_is_refused_at_load_naming_the_place(text: str, message: str) -> None:
    with pytest.raises(SourcesError) as raised:
        spec(text)
    assert "test.yaml" in str(raised.value)
    assert message in str(raised.value)


def test_the_shipped_sources_file_loads_and_guards_every_unsigned_source_against_replays() -> None:
    sources = parse_sources(DEFAULT_SOURCES_FILE.read_text(encoding="utf-8"), "default.yaml").sources
    assert {"web", "relay", "typeform", "tally", "jotform", "wjx", "google-forms"} <= set(sources)
    assert sources["web"].auth == "public"
    for name in ("typeform", "tally", "jotform", "wjx"):
        fields = sources[name].fields
        assert fields is not None
        assert "external_id" in fields, name
