-- The compose profile keeps the catalogue and the conversations in two databases of one PostgreSQL server: the
-- image creates the tracker database (POSTGRES_DB), this creates the catalogue's (DATABASE_URL in .env names it).
CREATE DATABASE catalogue;
