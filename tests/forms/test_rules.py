"""The Python half of the derivation rules follows XPath 1.0 semantics."""

from __future__ import annotations

import math

import pytest

from forms.definitions.sheet import xpath_string
from forms.rules import Answers, Condition, ValueSource, number, xpath_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("-3", -3.0),
        (".5", 0.5),
        ("", math.nan),
        ("abc", math.nan),
        (None, math.nan),
        ("inf", math.nan),
        ("1e3", math.nan),
    ],
)
def test_number_is_xpath_number(text: str | None, value: float) -> None:
    result = number(text)
    assert (math.isnan(result) and math.isnan(value)) or result == value


def test_conditions_on_missing_answers() -> None:
    empty = Answers({})
    assert not Condition("m_age", "between", (6, 14)).holds(empty)
    assert not Condition("n", "at_least", (1,)).holds(empty)
    assert not Condition("s", "in", ("yes",)).holds(empty)
    assert Condition("s", "not_in", ("exempt",)).holds(empty)
    assert not Condition("m", "any_of", ("a",)).holds(empty)
    assert Condition("m", "any_of", ("a", "b")).holds(Answers({"g/m": "c b"}))
    assert Condition("m", "any_of", ("a",)).xpath() == "(selected(${m}, 'a'))"


def test_value_sources() -> None:
    answers = Answers({"rep": [{"rep/x": "2"}, {"rep/x": "3"}], "a": "1", "b": "0"})
    assert ValueSource("count", "rep").value(answers) == 2
    assert ValueSource("sum", "x", "rep").value(answers) == 5
    ratio = ValueSource("ratio", parts=(ValueSource("field", "a"), ValueSource("field", "b")))
    assert ratio.value(answers) == 0, "a ratio over zero is 0, as in the form"
    assert ratio.xpath() == "if(number(${b}) > 0, number(${a}) div number(${b}), 0)"
    missing = Answers({"rep": [{"rep/x": "2"}, {}]})
    assert math.isnan(ValueSource("sum", "x", "rep").value(missing))


def test_literals() -> None:
    assert (xpath_number(10.0), xpath_number(2.5)) == ("10", "2.5")
    assert xpath_string("Khá") == "'Khá'"
    assert xpath_string("Family's") == '"Family\'s"'
    assert xpath_string("a'b\"c") == "concat('a', \"'\", 'b\"c')"
