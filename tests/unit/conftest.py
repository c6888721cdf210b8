"""Unit tests never touch the repository's catalog.db: each gets a database of its own."""

import pytest


@pytest.fixture(autouse=True)
def own_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'own-catalog.db'}")
