"""Shared fixtures: the repository root, the shipped trials, and ../shared when it is beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def trials():
    from bot.catalog.trial import read_directory

    return read_directory(ROOT / "trials")


@pytest.fixture(scope="session")
def seeds(trials):
    by_id = {t.id: t for t in trials}
    return by_id["2025-523921-17-00"], by_id["2025-524541-27-00"]


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared is not beside this clone; seed and registry checks need it")
    return SHARED
