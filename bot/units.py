"""Unit parsing and conversion through pint.

Lab reports write the same unit many ways ("G/L", "10^9/L", "x10^3/µL", "/mm3"),
and pint alone misreads some of them (G/L as gauss per litre), so every unit text
goes through one table of spellings before pint sees it.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint


class UnitError(ValueError):
    """A unit text that is not known, or that cannot express the wanted quantity."""


_DEFINITIONS = (
    "cell_count = [cells]",
    "GperL = 1e9 * cell_count / liter",
    "thousand_cells = 1000 * cell_count",
    "percent_ratio = 0.01 = pct",
    "enzyme_unit = [enzyme] = U",
    "international_ratio = [ratio] = INR_unit",
    "score_point = [score]",
)


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """One registry for the process; building it costs tens of milliseconds."""
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for line in _DEFINITIONS:
        ureg.define(line)
    return ureg


# Spellings seen in clinical text, lower-cased with "µ"/"μ" folded to "u" and spaces removed.
_SPELLINGS: dict[str, str] = {
    # cell counts
    "g/l": "GperL",
    "giga/l": "GperL",
    "10^9/l": "GperL",
    "10e9/l": "GperL",
    "x10^9/l": "GperL",
    "x10e9/l": "GperL",
    "*10^9/l": "GperL",
    "10*9/l": "GperL",
    "x109/l": "GperL",
    "10^3/ul": "thousand_cells / microliter",
    "x10^3/ul": "thousand_cells / microliter",
    "k/ul": "thousand_cells / microliter",
    "10^3/mm3": "thousand_cells / millimeter ** 3",
    "x10^3/mm3": "thousand_cells / millimeter ** 3",
    "/ul": "cell_count / microliter",
    "/mm3": "cell_count / millimeter ** 3",
    "/mm^3": "cell_count / millimeter ** 3",
    "/mm³": "cell_count / millimeter ** 3",
    "cells/ul": "cell_count / microliter",
    "cells/mm3": "cell_count / millimeter ** 3",
    "/l": "cell_count / liter",
    # mass concentrations
    "ug/l": "microgram / liter",
    "mcg/l": "microgram / liter",
    "ng/ml": "nanogram / milliliter",
    "mg/l": "milligram / liter",
    "mg/dl": "milligram / deciliter",
    "g/dl": "gram / deciliter",
    "g/l(mass)": "gram / liter",
    "gm/dl": "gram / deciliter",
    "mg/ml": "milligram / milliliter",
    # molar concentrations
    "umol/l": "micromole / liter",
    "mmol/l": "millimole / liter",
    # flows, pressures, intervals (eGFR is written per 1.73 m² of body surface, or with that left unsaid)
    "ml/min": "milliliter / minute",
    "ml/mn": "milliliter / minute",
    "ml/min/1.73m2": "milliliter / minute",
    "ml/min/1.73m^2": "milliliter / minute",
    "ml/min/1.73m²": "milliliter / minute",
    "ml/min/1.73": "milliliter / minute",
    "ml/min/1.73sqm": "milliliter / minute",
    "mmhg": "millimeter_Hg",
    "ms": "millisecond",
    "msec": "millisecond",
    # enzyme activity
    "u/l": "U / liter",
    "iu/l": "U / liter",
    "ui/l": "U / liter",
    # time
    "s": "second",
    "sec": "second",
    "secs": "second",
    "second": "second",
    "seconds": "second",
    "d": "day",
    "day": "day",
    "days": "day",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "mo": "month",
    "mos": "month",
    "month": "month",
    "months": "month",
    "y": "year",
    "yr": "year",
    "yrs": "year",
    "year": "year",
    "years": "year",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    # mass
    "kg": "kilogram",
    "kgs": "kilogram",
    "kilo": "kilogram",
    "kilos": "kilogram",
    "kilogram": "kilogram",
    "kilograms": "kilogram",
    "g": "gram",
    "gram": "gram",
    "grams": "gram",
    "lb": "pound",
    "lbs": "pound",
    "pound": "pound",
    "pounds": "pound",
    # dimensionless
    "%": "percent_ratio",
    "percent": "percent_ratio",
    "l/l": "dimensionless",
    "ratio": "INR_unit",
    "inr": "INR_unit",
    "points": "score_point",
    "point": "score_point",
    "pts": "score_point",
    "/10": "score_point",
}

# The canonical units facts are stored in, by their short name used in trial files.
CANONICAL: dict[str, str] = {
    "G/L": "GperL",
    "ug/L": "microgram / liter",
    "µg/L": "microgram / liter",
    "g/L": "gram / liter",
    "umol/L": "micromole / liter",
    "µmol/L": "micromole / liter",
    "U/L": "U / liter",
    "%": "percent_ratio",
    "mL/min": "milliliter / minute",
    "mL/min/1.73m2": "milliliter / minute",
    "mmHg": "millimeter_Hg",
    "ms": "millisecond",
    "s": "second",
    "kg": "kilogram",
    "year": "year",
    "month": "month",
    "day": "day",
    "ratio": "INR_unit",
    "points": "score_point",
}


def _fold(text: str) -> str:
    text = text.strip().lower().replace("µ", "u").replace("μ", "u").replace(" ", "")
    text = text.replace("×", "x").replace("³", "3") if text not in _SPELLINGS else text
    return text.rstrip(".")


def known_unit(text: str) -> bool:
    """Whether a unit text is one the assistant understands."""
    return _fold(text) in _SPELLINGS or text in CANONICAL


def unit_expression(text: str) -> str:
    """The pint expression for a unit text, or UnitError naming the text."""
    if text in CANONICAL:
        return CANONICAL[text]
    folded = _fold(text)
    if folded in _SPELLINGS:
        return _SPELLINGS[folded]
    raise UnitError(f"unknown unit {text!r}")


def round_noise(value: float) -> float:
    """Round away float noise from conversions (0.1 * 3 must equal 0.3 at a boundary)."""
    if value == 0 or not math.isfinite(value):
        return value
    digits = 9 - math.floor(math.log10(abs(value)))
    return round(value, max(digits, 0))


def convert(value: float, unit: str, canonical: str, molar_mass: float | None = None) -> float:
    """Convert value in unit to the canonical unit, bridging mass and molar units when a molar mass is known."""
    ureg = registry()
    source = ureg.Quantity(value, unit_expression(unit))
    target = ureg.Quantity(1, unit_expression(canonical)).units
    try:
        converted = source.to(target)
    except pint.DimensionalityError:
        if molar_mass is None:
            raise UnitError(f"{unit!r} cannot be read as {canonical}") from None
        molar = ureg.Quantity(molar_mass, "gram / mole")
        try:
            if source.check("[mass] / [length] ** 3"):
                converted = (source / molar).to(target)
            else:
                converted = (source * molar).to(target)
        except pint.DimensionalityError:
            raise UnitError(f"{unit!r} cannot be read as {canonical}") from None
    return round_noise(float(converted.magnitude))


_QUANTITY = re.compile(r"^\s*(-?\d+(?:[.,]\d+)*)\s*(.*?)\s*$")


def parse_quantity(text: str) -> tuple[float, str | None]:
    """Split "2.5 mg/L" or "150,000/µL" into a number and a unit text (None when absent)."""
    match = _QUANTITY.match(str(text))
    if not match:
        raise UnitError(f"{text!r} is not a number with a unit")
    return parse_number(match.group(1)), (match.group(2) or None)


def parse_number(text: str) -> float:
    """Read "150,000" as thousands and "2,5" as a decimal comma."""
    text = text.strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))
