"""The prefilter changes speed, never an answer: what it leaves out, the rules rule out; SQL and Python agree;
parsed trials are kept and re-read only when they change; a database that is down is said, not hidden."""

import itertools
from dataclasses import replace

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bot.catalog import store
from bot.catalog.index import OTHER, Query, admits, filters_for, tier
from bot.catalog.models import FilterRow
from bot.matching import evaluate_trial
from bot.profile import profile_from_mapping
from bot.registry.run_import import run
from bot.search import Catalogue

AGES = [None, "5 months", "6 years", "17 years", "18 years", "45 years", "80 years"]
SEXES = [None, "female", "male"]
DIAGNOSES = [None, ["all"], ["pv"], ["et"], ["sepsis"], ["malignancy"], ["covid19"], ["mpn"], ["icd10_j45"]]


def profiles():
    for age, sex, diagnoses in itertools.product(AGES, SEXES, DIAGNOSES):
        facts = {k: v for k, v in (("age", age), ("sex", sex), ("diagnoses", diagnoses)) if v is not None}
        yield profile_from_mapping(facts)


def check_prefilter(trials, engine):
    """For every profile: the database and Python agree, and every trial left out is one its rules rule out."""
    by_id = {t.id: t for t in trials}
    filters = {t.id: filters_for(t) for t in trials}
    checked = 0
    for profile in profiles():
        query = Query.for_profile(profile, include_closed=True, other_conditions=True)
        in_sql = {c.trial_id: c.tier for c in store.prefilter(engine, query)}
        in_python = {i for i, f in filters.items() if admits(f, query)}
        assert set(in_sql) == in_python, profile.to_dict()
        assert all(in_sql[i] == tier(filters[i], query) for i in in_sql)
        for trial_id in set(by_id) - in_python:
            result = evaluate_trial(by_id[trial_id], profile)
            assert result.verdict == "ineligible", (trial_id, profile.to_dict(), result.reasons)
            checked += 1
    return checked


def test_what_the_prefilter_leaves_out_the_rules_rule_out(trials, database_url):
    engine = store.engine_for(database_url)
    stored = [replace(t, id=f"{t.id}-stored", data={**t.data, "id": f"{t.id}-stored"}) for t in trials]
    store.bulk_add(stored, engine)
    assert check_prefilter(stored, engine) > 100
    engine.dispose()


def test_imported_register_records_too(shared, database_url):
    engine = store.engine_for(database_url)
    run("ctgov", [str(shared / "registry" / "ctgov_v2")], engine, progress=False)
    imported = store.read_all(engine)
    assert len(imported) >= 12
    check_prefilter(imported, engine)
    engine.dispose()


def test_unknown_fields_never_filter(seeds):
    mpn, _ = seeds
    bare = replace(mpn, criteria=(), data={**mpn.data, "conditions": []})
    filters = filters_for(bare)
    assert filters.min_age is filters.max_age is filters.sexes is None and not filters.needs
    for profile in profiles():
        assert admits(filters, Query.for_profile(profile, include_closed=True))


def test_fields_come_from_the_rules(seeds):
    mpn, paed = seeds
    mpn_filters, paed_filters = filters_for(mpn), filters_for(paed)
    assert "mpn" in set().union(*mpn_filters.needs) and mpn_filters.topics == {"mpn"}
    assert paed_filters.min_age == pytest.approx(8 / 12, abs=0.01) and paed_filters.max_age == 19
    assert "france" in mpn_filters.countries


def test_trials_about_other_conditions_are_a_tier_not_a_verdict(seeds):
    mpn, _ = seeds
    query = Query.for_profile(profile_from_mapping({"diagnoses": ["icd10_j45"]}), include_closed=True)
    loose = replace(mpn, criteria=tuple(c for c in mpn.criteria if c.id != "in1"))
    assert tier(filters_for(loose), query) == OTHER
    assert not admits(filters_for(loose), query)
    assert admits(filters_for(loose), replace(query, other_conditions=True))


def test_parsed_trials_are_kept_and_reread_only_when_changed(trials, database_url):
    engine = store.engine_for(database_url)
    stored = [replace(t, id=f"{t.id}-s", data={**t.data, "id": f"{t.id}-s"}) for t in trials]
    store.bulk_add(stored, engine)
    catalogue = Catalogue([], engine)
    profile = profile_from_mapping({"age": "45 years"})
    first = catalogue.match(profile, include_closed=True)
    parsed = catalogue.cache.parsed
    assert parsed == first.stats["evaluated"] > 0
    catalogue.match(profile, include_closed=True)
    assert catalogue.cache.parsed == parsed
    changed = next(t for t in stored if t.id == first.results[0].trial.id)
    with Session(engine) as session, session.begin():
        store.import_trial(replace(changed, title="A new title", data={**changed.data, "title": "A new title"}),
                           session)
    again = catalogue.match(profile, include_closed=True)
    assert catalogue.cache.parsed == parsed + 1
    assert any(r.trial.title == "A new title" for r in again.results)
    engine.dispose()


def test_a_database_from_an_older_version_gets_its_prefilter_fields(trials, database_url):
    engine = store.engine_for(database_url)
    store.bulk_add([replace(t, id=f"{t.id}-o", data={**t.data, "id": f"{t.id}-o"}) for t in trials[:3]], engine)
    with Session(engine) as session, session.begin():
        session.execute(delete(FilterRow))
    store.prepare(engine)
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(FilterRow)).scalar_one() == 3
    engine.dispose()


def test_a_database_from_before_the_has_needs_and_checksum_columns_gets_them_computed(trials, database_url):
    engine = store.engine_for(database_url)
    stored = [replace(t, id=f"{t.id}-n", data={**t.data, "id": f"{t.id}-n"}) for t in trials]
    store.bulk_add(stored, engine)
    columns = select(FilterRow.trial_id, FilterRow.has_needs, FilterRow.checksum)
    with engine.begin() as connection:
        wanted = {row.trial_id: tuple(row[1:]) for row in connection.execute(columns)}
        connection.execute(text("ALTER TABLE trial_filters DROP COLUMN has_needs"))
        connection.execute(text("ALTER TABLE trial_filters DROP COLUMN checksum"))
    store.prepare(engine)
    with engine.connect() as connection:
        assert {row.trial_id: tuple(row[1:]) for row in connection.execute(columns)} == wanted
    assert any(needs for needs, _ in wanted.values()) and not all(needs for needs, _ in wanted.values())
    assert all(digest == store.checksum(t.data) for t in stored for _, digest in [wanted[t.id]])
    assert check_prefilter(stored, engine) > 100
    engine.dispose()


def test_a_database_down_mid_conversation_is_said_and_the_reviewed_trials_still_answer(trials):
    engine = store.engine_for("postgresql+psycopg2://user:secret@127.0.0.1:1/none")
    catalogue = Catalogue(list(trials), engine)
    profile = profile_from_mapping({"age": "45 years"})
    with pytest.raises(store.CatalogUnavailable, match="cannot reach the trial database"):
        catalogue.match(profile)
    report = catalogue.match(profile, degrade=True)
    assert "the full list of trials from the registers is unavailable" in report.notice
    assert "secret" not in report.notice
    assert report.results
    assert catalogue.by_id(trials[0].id) is trials[0] and catalogue.by_id("NCT00000000") is None


def test_a_bound_on_trials_checked_counts_the_rest_and_checks_those_about_the_person_first(trials, database_url):
    engine = store.engine_for(database_url)
    stored = [replace(t, id=f"{t.id}-b", data={**t.data, "id": f"{t.id}-b"}) for t in trials]
    store.bulk_add(stored, engine)
    catalogue = Catalogue([], engine)
    profile = profile_from_mapping({"diagnoses": ["all"]})
    whole = catalogue.match(profile, include_closed=True, other_conditions=True, max_checked=None)
    assert whole.unchecked == 0 and whole.stats["evaluated"] >= 4
    bounded = catalogue.match(profile, include_closed=True, other_conditions=True, max_checked=2)
    assert bounded.stats["evaluated"] == 2
    assert bounded.unchecked == whole.stats["evaluated"] - 2 and bounded.to_dict()["not_checked"] == bounded.unchecked
    tiers = {c.trial_id: c.tier for c in store.prefilter(engine, Query.for_profile(profile, include_closed=True))}
    order = ["about", "unknown", "other"]
    worst_checked = max(order.index(tiers[r.trial.id]) for r in bounded.results)
    checked = {r.trial.id for r in bounded.results}
    assert all(order.index(t) >= worst_checked for i, t in tiers.items() if i not in checked)
    engine.dispose()


def test_a_bulk_load_keeps_every_document_exactly(trials, database_url):
    """On PostgreSQL the bulk load goes through COPY: quotes, commas, line breaks, empty and missing values and
    non-ASCII text must come back as they went in."""
    engine = store.engine_for(database_url)
    awkward = 'He said "no", then\nleft; naïve café, 50% ≥ 1 \\ done'
    first = trials[0]
    odd = replace(first, id="odd-1", title=awkward,
                  data={**first.data, "id": "odd-1", "title": awkward, "protocol": "", "summary": awkward})
    store.bulk_add([odd, *trials[1:3]], engine)
    stored = store.documents(engine, ["odd-1", trials[1].id])
    assert stored["odd-1"] == odd.data and stored[trials[1].id] == trials[1].data
    assert {t.id: t.title for t in store.read_all(engine, validate=False)}["odd-1"] == awkward
    engine.dispose()


def test_a_prepared_prefilter_the_server_lost_is_run_plainly(trials, database_url, monkeypatch):
    """A pooler in transaction mode hands each statement to any server connection, which may not know the
    prepared statement: the prefilter then gives the same candidates, unprepared."""
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's")
    monkeypatch.setattr(store, "_PREPARE", True)
    engine = store.engine_for(database_url)
    store.bulk_add([replace(t, id=f"{t.id}-p", data={**t.data, "id": f"{t.id}-p"}) for t in trials], engine)
    query = Query.for_profile(profile_from_mapping({"age": "60 years", "diagnoses": ["pv"]}), include_closed=True)
    first = store.prefilter(engine, query)
    with engine.connect() as connection:  # the pool's one connection: forget what it prepared, behind its back
        connection.exec_driver_sql("DEALLOCATE ALL")
    assert store.prefilter(engine, query) == first and first
    assert store._PREPARE is False
    engine.dispose()


def test_a_stuck_database_read_is_cut_short_and_said_while_the_reviewed_trials_still_answer(trials, database_url):
    """The assistant's reads are bounded on PostgreSQL: a prefilter stuck behind a lock is cancelled by the server,
    and the answer says the register list is unavailable instead of making the person wait."""
    if not database_url.startswith("postgresql"):
        pytest.skip("statement_timeout is PostgreSQL's")
    store.bulk_add([replace(t, id=f"{t.id}-s", data={**t.data, "id": f"{t.id}-s"}) for t in trials],
                   store.engine_for(database_url))
    engine = store.engine_for(database_url, statement_seconds=0.5)
    catalogue = Catalogue(list(trials), engine)
    profile = profile_from_mapping({"age": "60 years", "diagnoses": ["pv"]})
    assert not catalogue.match(profile, degrade=True).notice
    blocker = store.engine_for(database_url).connect()
    transaction = blocker.begin()
    try:
        blocker.execute(text("LOCK TABLE trial_filters IN ACCESS EXCLUSIVE MODE"))  # a stuck writer
        report = catalogue.match(profile, degrade=True)
    finally:
        transaction.rollback()
        blocker.close()
    assert "the full list of trials from the registers is unavailable" in report.notice
    assert report.results
    engine.dispose()
