"""The report's reading of the annotated corpus: how an annotated comparison becomes bounds to score against."""

import pytest

from scripts.criteria_report import gold_bounds


def comparison(ops, values):
    return {"operators": [{"norm": op} for op in ops],
            "values": [{"number": v, "text": str(v)} if isinstance(v, float) else {"number": None, "text": v}
                       for v in values]}


@pytest.mark.parametrize(("ops", "values", "bounds", "also"), [
    (["GTEQ"], [18.0], [(">=", 18.0)], [(">=", 18.0)]),
    (["BETWEEN"], [18.0, 80.0, 80.0], [(">=", 18.0), ("<=", 80.0)], []),  # a number repeated counts once
    (["GTEQ", "BETWEEN", "LTEQ"], [20.0, 40.0], [(">=", 20.0), ("<=", 40.0)], []),
    (["LTEQ", "BETWEEN", "GTEQ"], [5.0, 6.0], [("<=", 5.0), (">=", 6.0)], []),  # "≤5 mm to ≥6 mm", in text order
    (["BETWEEN", "LT"], [4.0, 17.0], [(">=", 4.0), ("<", 17.0)], []),  # "4 to < 17 years"
    (["LT"], [100.0, 109.0], [("<", 100.0)], [("<", 100.0), ("<", 109.0)]),  # "< 100 x109/L": 109 is the unit
    (["GTEQ", "GTEQ"], ["18,5"], [(">=", 18.5)], [(">=", 18.5)]),  # a decimal comma
    (["EQ", "GTEQ"], [5.0], [(">=", 5.0)], [(">=", 5.0)]),  # "= 5 or higher"
])
def test_an_annotated_comparison_gives_the_bounds_its_text_states(ops, values, bounds, also):
    assert gold_bounds(comparison(ops, values)) == (bounds, also)


def test_a_comparison_without_an_operator_or_with_an_erratum():
    assert gold_bounds(comparison([], [18.0, 45.0])) == ([], [])  # cannot be judged either way
    assert gold_bounds(comparison(["GT"], [9.0]), corrected="LT") == ([("<", 9.0)], [("<", 9.0)])
