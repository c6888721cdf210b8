"""Units are converted, never compared raw; pint's misreadings are worked around."""

import pytest

from bot.facts import FACTS, ValueRefused
from bot.units import UnitError, convert, parse_quantity, round_noise


@pytest.mark.parametrize(
    ("value", "unit"),
    [(150, "G/L"), (150, "10^9/L"), (150, "x10^9/L"), (150, "x10^3/µL"), (150, "10^3/uL"), (150_000, "/mm³"),
     (150_000, "/mm3"), (150_000, "/µL"), (150, "K/µL"), (150, "x 10^9/L")],
)
def test_platelet_spellings_all_mean_150_g_per_l(value, unit):
    assert FACTS["platelets"].canonical(value, unit) == 150


def test_thousands_separator_and_decimal_comma():
    assert parse_quantity("150,000/µL") == (150000.0, "/µL")
    assert parse_quantity("2,5 mg/L") == (2.5, "mg/L")


@pytest.mark.parametrize(("value", "unit", "expected"),
                         [(2000, "µg/L", 2000), (2000, "ng/mL", 2000), (2.5, "mg/L", 2500), (2000, "ug/l", 2000)])
def test_ferritin_units(value, unit, expected):
    assert FACTS["ferritin"].canonical(value, unit) == expected


def test_bilirubin_mass_and_molar_units_both_ways():
    assert FACTS["bilirubin"].canonical(1, "mg/dL") == pytest.approx(17.1, abs=0.01)
    assert convert(17.104, "µmol/L", "mg/dL", molar_mass=584.66) == pytest.approx(1.0, abs=0.001)


def test_haemoglobin_g_dl_and_mmol_l():
    assert FACTS["haemoglobin"].canonical(10.5, "g/dL") == 105
    assert FACTS["haemoglobin"].canonical(7.1, "mmol/L") == pytest.approx(114.4, abs=0.1)


@pytest.mark.parametrize(("value", "unit", "years"),
                         [(6, "years", 6), (8, "months", 8 / 12), (52, "weeks", 52 * 7 / 365.25), (365.25, "days", 1)])
def test_ages_in_days_weeks_months_years(value, unit, years):
    assert FACTS["age"].canonical(value, unit) == pytest.approx(years)


def test_boundary_conversions_have_no_float_noise():
    assert FACTS["age"].canonical(8, "month") == FACTS["age"].canonical(8, "months")
    assert FACTS["platelets"].canonical(100_000, "/µL") == 100
    assert round_noise(0.1 * 3) == 0.3


def test_unknown_unit_is_refused_with_the_unit_named():
    with pytest.raises(ValueRefused, match="furlongs"):
        FACTS["ferritin"].canonical(10, "furlongs")
    with pytest.raises(UnitError):
        convert(1, "mg/L", "s")


def test_gauss_is_not_a_count_unit():
    """pint alone reads G/L as gauss per litre; ours is 10^9 cells per litre."""
    assert FACTS["neutrophils"].canonical(1, "G/L") == FACTS["neutrophils"].canonical(1000, "/µL")
