"""GOV.UK widgets' markup is kept per set of parameters, and never confuses two sets."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from directory.web.widgets import _Uncacheable, frozen


def test_markup_and_plain_text_with_the_same_characters_are_different_keys():
    assert frozen({"text": Markup("<b>bold</b>")}) != frozen({"text": "<b>bold</b>"})


def test_true_and_one_and_none_and_the_word_none_are_different_keys():
    keys = {frozen({"checked": v}) for v in (True, 1, 1.0, None, "None", "True", "1")}
    assert len(keys) == 7


def test_order_of_items_matters_and_nested_values_are_compared():
    a = {"items": [{"value": "a", "checked": True}, {"value": "b"}]}
    b = {"items": [{"value": "b"}, {"value": "a", "checked": True}]}
    c = {"items": [{"value": "a", "checked": False}, {"value": "b"}]}
    assert len({frozen(a), frozen(b), frozen(c)}) == 3
    assert frozen(a) == frozen({"items": [{"value": "a", "checked": True}, {"value": "b"}]})


def test_values_of_other_kinds_are_not_kept():
    from datetime import date

    with pytest.raises(_Uncacheable):
        frozen({"value": date(2026, 1, 1)})
