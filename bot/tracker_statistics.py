"""PostgreSQL's planner statistics must hold none of a person's words.

ANALYZE, which autovacuum runs as the tracker store's `events` table grows, copies sampled values of each column into
the `pg_statistic` catalogue (most common values, histogram bounds). For `data` and `sender_id` these are a person's
messages, facts and conversation id, and they outlive "forget me", the purge and the compaction: those delete and
rewrite the table, not the catalogue, and only a superuser can rewrite the catalogue. With a statistics target of 0,
ANALYZE samples nothing from a column; the planner then estimates a conversation's rows without them and still uses
the index on `sender_id`. Statistics gathered before (a store upgraded from an earlier version) are dropped by
restating the column's own type, which PostgreSQL does without rewriting the table or its index. The dropped rows'
bytes stay in the catalogue's free space until PostgreSQL reuses it (the README says so beside the write-ahead log).

Plain SQLAlchemy, no Rasa: the tracker store calls it at start, and a unit test runs it on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

PRIVATE_COLUMNS = ("sender_id", "data")

_COLUMNS = sa.text("""
    SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type,
           a.attstattarget IS DISTINCT FROM 0 AS sampled,
           EXISTS (SELECT 1 FROM pg_stats s
                   WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname) AS gathered
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attrelid = to_regclass(:table) AND a.attname = ANY(:columns) AND NOT a.attisdropped
    ORDER BY a.attnum
""")


def keep_out_of_statistics(connection: sa.engine.Connection, table: str = "events",
                           columns: tuple[str, ...] = PRIVATE_COLUMNS) -> list[str]:
    """Stop ANALYZE from sampling the columns and drop what it sampled before; the columns changed (none when
    already done, or when the database is not PostgreSQL). Run it inside a transaction: it alters the table."""
    if connection.dialect.name != "postgresql":
        return []
    quote = connection.dialect.identifier_preparer.quote
    changes: list[str] = []
    changed: list[str] = []
    for name, type_, sampled, gathered in connection.execute(_COLUMNS, {"table": table, "columns": list(columns)}):
        if gathered:
            changes.append(f"ALTER COLUMN {quote(name)} TYPE {type_}")
        if sampled:
            changes.append(f"ALTER COLUMN {quote(name)} SET STATISTICS 0")
        if gathered or sampled:
            changed.append(name)
    if changes:
        connection.execute(sa.text(f"ALTER TABLE {quote(table)} {', '.join(changes)}"))
    return changed
