"""One vocabulary: no module of chalicelib/ lists the values of an enum again. Every list, tuple, set, dict or
`Literal[...]` that holds two or more values of one enum of `chalicelib.domain.vocabulary` must use the enum."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

from chalicelib.domain import vocabulary

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
ENUMS = {
    name: {member.value for member in enum}
    for name, enum in vars(vocabulary).items()
    if isinstance(enum, type) and issubclass(enum, StrEnum) and enum is not StrEnum
}


def listed_again(path: Path) -> list[str]:
    """`file:line Enum` for every collection literal in `path` that spells two or more values of one enum."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = node.elts
        elif isinstance(node, ast.Dict):
            elements = [key for key in node.keys if key is not None]
        else:
            continue
        texts = {
            element.value
            for element in elements
            if isinstance(element, ast.Constant) and isinstance(element.value, str)
        }
        for name, values in ENUMS.items():
            if len(texts & values) >= 2:
                found.append(f"{path.relative_to(CHALICELIB.parent)}:{node.lineno} {name} {sorted(texts & values)}")
    return found


def test_no_module_spells_out_the_values_of_an_enum_again() -> None:
    modules = [path for path in CHALICELIB.rglob("*.py") if path.name != "vocabulary.py"]
    assert len(modules) > 40
    assert [place for path in modules for place in listed_again(path)] == []


def test_the_check_finds_a_list_of_values_written_again(tmp_path: Path) -> None:
    module = CHALICELIB / "domain" / "_probe_for_the_vocabulary_test.py"
    try:
        module.write_text('PRIORITIES = ("urgent", "important")\n', encoding="utf-8")
        assert listed_again(module) == [
            "chalicelib/domain/_probe_for_the_vocabulary_test.py:1 Priority ['important', 'urgent']"
        ]
    finally:
        module.unlink()


def test_every_value_of_every_enum_has_words_in_chinese_and_english() -> None:
    from chalicelib.domain.words import LANGUAGES, has_words, word

    missing = [
        f"{name}.{member.name}"
        for name, enum in vars(vocabulary).items()
        if isinstance(enum, type) and issubclass(enum, StrEnum) and enum not in (StrEnum, vocabulary.Weekday)
        for member in enum
        if not has_words(member)
    ]
    assert missing == []
    assert word(vocabulary.Category.PRODUCT_QUALITY) == "产品质量"
    assert word(vocabulary.Level.MINOR, "en") == "Minor breach"
    for language in LANGUAGES:
        assert word(vocabulary.Priority.URGENT, language)


def test_values_spelled_alike_in_two_enums_keep_their_own_words() -> None:
    from chalicelib.domain.words import word

    assert word(vocabulary.Priority.GENERAL) == "一般"
    assert word(vocabulary.Complexity.GENERAL) == "一般问题"
    assert word(vocabulary.ClockName.SITE_VISIT) == "上门"
    assert word(vocabulary.EventType.SITE_VISIT) == "已上门"
    assert word(vocabulary.ClockName.PROGRESS_UPDATE, "en") == "Progress update"
