"""Properties of the coverage measures (hypothesis); distance ones are in test_geo_distance."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from directory.core.coverage import gini


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.integers(1, 50))
def test_gini_of_equal_values_is_zero(value, n):
    assert gini([value] * n) == 0.0


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_gini_is_between_zero_and_one_and_ignores_order_and_scale(values):
    g = gini(values)
    assert 0.0 <= g <= 1.0
    assert abs(gini(list(reversed(values))) - g) < 1e-9
    if sum(values) > 0:
        assert abs(gini([v * 7 for v in values]) - g) < 1e-6
