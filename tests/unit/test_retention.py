"""Retention: whole conversations idle for longer than the retention leave the tracker store, bytes included."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.retention import purge, retention_days

NOW = 1_800_000_000.0
DAY = 86400.0


def store(path) -> str:
    """A tracker store with Rasa's `events` layout: one old conversation, one recent."""
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    events = sa.Table("events", sa.MetaData(),
                      sa.Column("id", sa.Integer, primary_key=True), sa.Column("sender_id", sa.String(255)),
                      sa.Column("type_name", sa.String(255)), sa.Column("timestamp", sa.Float),
                      sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
                      sa.Column("data", sa.Text))
    events.metadata.create_all(engine)
    with engine.begin() as connection:
        for sender, age, words in (("old-one", 40, "ferritin 4321 polycythaemia"), ("old-one", 35, "yes"),
                                   ("recent", 40, "hello"), ("recent", 2, "platelets 777")):
            connection.execute(events.insert().values(
                sender_id=sender, type_name="user", timestamp=NOW - age * DAY,
                data=json.dumps({"text": words})))
    engine.dispose()
    return url


def test_only_conversations_idle_for_longer_than_the_retention_go_and_their_bytes_with_them(tmp_path):
    path = tmp_path / "conversations.db"
    url = store(path)
    assert b"4321" in path.read_bytes()
    assert purge(url, 30, now=NOW) == (1, 2)
    raw = path.read_bytes()
    assert b"4321" not in raw and b"polycythaemia" not in raw and b"old-one" not in raw
    assert b"777" in raw  # the recent conversation is whole, its first message too
    assert purge(url, 30, now=NOW) == (0, 0)


def test_retention_is_read_as_a_length_of_time():
    assert retention_days("30d") == 30
    assert retention_days("2 weeks") == 14
    assert retention_days("12 h") == 0.5
    for bad in ("soon", "-3 d", "0 d", "5 kg"):
        with pytest.raises(ValueError):
            retention_days(bad)


def test_the_purge_command(tmp_path, capsys):
    url = store(tmp_path / "conversations.db")
    assert main(["conversations", "purge", "--older-than", "1000d", "--url", url]) == 0
    assert "deleted 0 conversation(s)" in capsys.readouterr().out
    assert main(["conversations", "purge", "--older-than", "often", "--url", url]) == 2
    assert "cannot read 'often'" in capsys.readouterr().err
    assert main(["conversations", "purge", "--url", f"sqlite:///{tmp_path / 'missing' / 'x.db'}"]) == 1
