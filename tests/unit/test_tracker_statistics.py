"""ANALYZE never copies a person's words or conversation id into PostgreSQL's statistics, where "forget me" cannot
reach them; statistics gathered before are dropped without rewriting the table."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import sqlalchemy as sa

from bot.tracker_statistics import keep_out_of_statistics


@pytest.fixture
def postgres_events():
    """A table with the tracker store's layout (a name of its own), 400 events of 20 conversations, analysed."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL; `make unit` starts a throwaway server "
                    "(scripts/with_postgres.sh)")
    engine = sa.create_engine(url)
    name = f"events_{uuid.uuid4().hex[:8]}"
    table = sa.Table(name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("sender_id", sa.String(255), nullable=False, index=True),
                     sa.Column("type_name", sa.String(255), nullable=False), sa.Column("timestamp", sa.Float),
                     sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
                     sa.Column("data", sa.Text))
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [
            {"sender_id": f"person-{n % 20}", "type_name": "user", "timestamp": float(n), "intent_name": "inform",
             "data": json.dumps({"text": f"ferritin 5817, pregnant {n % 3}"})} for n in range(400)])
    analyse(engine, name)
    yield engine, name
    table.metadata.drop_all(engine)
    engine.dispose()


def analyse(engine: sa.engine.Engine, table: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"ANALYZE {table}"))


def sampled(engine: sa.engine.Engine, table: str) -> dict[str, str]:
    """What pg_stats shows of each column: its most common values, as text."""
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT attname, coalesce(most_common_vals::text, '') FROM pg_stats WHERE tablename = :t"), {"t": table})
        return {name: values for name, values in rows}


def file_of(engine: sa.engine.Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_relation_filenode(:t)"), {"t": table}).scalar()


def test_the_words_and_ids_sampled_before_are_dropped_and_never_sampled_again(postgres_events):
    engine, table = postgres_events
    before = sampled(engine, table)
    assert "5817" in before["data"] and "person-" in before["sender_id"]  # what autovacuum's ANALYZE keeps
    rewritten = file_of(engine, table)
    with engine.begin() as connection:
        assert keep_out_of_statistics(connection, table) == ["sender_id", "data"]
    analyse(engine, table)
    after = sampled(engine, table)
    assert "data" not in after and "sender_id" not in after
    assert "inform" in after["intent_name"]  # the other columns keep their statistics
    assert file_of(engine, table) == rewritten  # dropped without rewriting the table
    with engine.begin() as connection:
        assert keep_out_of_statistics(connection, table) == []  # done once


def test_sqlite_has_nothing_to_change(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    with engine.begin() as connection:
        assert keep_out_of_statistics(connection) == []
