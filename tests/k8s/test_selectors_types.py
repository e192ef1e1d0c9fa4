"""``provisor.k8s.selectors.compile_selector`` on fields of the wrong JSON type: the API
server would fail to decode such a selector, so it raises ``SelectorError`` (a colleague saw
``AttributeError`` escape instead)."""

from __future__ import annotations

from typing import Any

import pytest

from provisor.k8s.selectors import SelectorError, compile_selector

BAD = {
    "selector-string": "app=web",
    "selector-list": [{"matchLabels": {"app": "web"}}],
    "matchLabels-list": {"matchLabels": [{"app": "web"}]},
    "matchLabels-empty-list": {"matchLabels": []},
    "matchLabels-string": {"matchLabels": "app=web"},
    "matchExpressions-mapping": {"matchExpressions": {"key": "app", "operator": "Exists"}},
    "expression-string": {"matchExpressions": ["app in (web)"]},
    "values-string": {"matchExpressions": [{"key": "app", "operator": "In", "values": "web"}]},
    "values-mapping": {"matchExpressions": [{"key": "app", "operator": "In",
                                             "values": {"a": "web"}}]},
    "label-key-int": {"matchLabels": {1: "web"}},
    "label-value-int": {"matchLabels": {"app": 1}},
    "expression-value-int": {"matchExpressions": [{"key": "app", "operator": "In",
                                                   "values": [1]}]},
}


@pytest.mark.parametrize("selector", list(BAD.values()), ids=list(BAD))
def test_wrong_types_raise_selector_error(selector: Any) -> None:
    with pytest.raises(SelectorError) as exc:
        compile_selector(selector)
    assert "Invalid value" in str(exc.value)


def test_messages_name_the_field() -> None:
    with pytest.raises(SelectorError) as exc:
        compile_selector({"matchExpressions": [{"key": "app", "operator": "In",
                                                "values": "web"}]})
    assert str(exc.value) == ('matchExpressions[0].values: Invalid value: "web": must be a list '
                              'of label values')
    with pytest.raises(SelectorError) as exc:
        compile_selector({"matchLabels": ["a"]})
    assert str(exc.value) == ('matchLabels: Invalid value: ["a"]: must be a map of label keys '
                              'to values')


def test_null_fields_are_absent() -> None:
    sel = compile_selector({"matchLabels": None, "matchExpressions": None})
    assert sel.empty and sel.matches({"any": "thing"})
    sel = compile_selector({"matchExpressions": [{"key": "app", "operator": "Exists",
                                                  "values": None}]})
    assert sel.matches({"app": "x"}) and not sel.matches({})
