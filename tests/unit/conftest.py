"""Unit tests never touch the repository's catalog.db: each gets a database of its own.

`database_url` runs a test on SQLite and, when `make test` has started a throwaway PostgreSQL server
(TEST_POSTGRES_URL), on PostgreSQL too, emptied before and after the test.
"""

import os

import pytest
from sqlalchemy import create_engine

from bot.catalog.models import Base


@pytest.fixture(autouse=True)
def own_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'own-catalog.db'}")


def _empty(url: str) -> None:
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = os.environ.get("TEST_POSTGRES_URL")
        if not url:
            pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL; `make unit` starts a throwaway server "
                        "(scripts/with_postgres.sh)")
        _empty(url)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    if request.param == "postgresql":
        _empty(url)
