"""Register records into the catalogue: round trips, bad records, re-import, curated files winning."""

import json
import shutil

import pytest

from bot.catalog import store
from bot.catalog.trial import read_directory
from bot.cli import TRIALS_DIR, main
from bot.registry.criteria_text import split_criteria
from bot.registry.ctgov import read_ctgov
from bot.registry.importer import build_document
from bot.registry.run_import import run


@pytest.fixture(autouse=True)
def engine(database_url):
    """Every test here writes to its own database (SQLite, and PostgreSQL under `make test`), never to the
    repository's catalog.db."""
    engine = store.engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def v2(shared, tmp_path):
    """The real API v2 records, single files and search pages, copied so a test may add a bad one."""
    folder = tmp_path / "v2"
    shutil.copytree(shared / "registry" / "ctgov_v2", folder)
    return folder


def documents(engine):
    return {t.id: t.data for t in store.read_all(engine)}


def test_v2_records_import_with_every_line_kept_and_truncated_ones_reported(v2, engine):
    report = run("ctgov", [str(v2)], engine, progress=False)
    assert report.actions["added"] >= 12
    truncated = [p for p in report.problems if "cut short" in p]
    assert any("NCT06171568" in p and "eligibilityCriteria" in p for p in truncated)  # file, record and field
    docs = documents(engine)
    record = next(r for r in read_ctgov([str(v2 / "NCT04431453.json")]) if hasattr(r, "trial_id"))
    lines = split_criteria(record.eligibility_text)
    doc = docs["NCT04431453"]
    assert len(doc["criteria"]["inclusion"]) + len(doc["criteria"]["exclusion"]) == len(lines)
    assert doc["origin"] == "imported" and doc["sponsor"] == "Gilead Sciences"
    parsed = [c for k in ("inclusion", "exclusion") for c in doc["criteria"][k] if "rule" in c]
    assert parsed and all(c["origin"] == "parsed" for c in parsed)
    assert all(c.get("manual") or c.get("rule") for k in ("inclusion", "exclusion") for c in doc["criteria"][k])


def test_reimport_changes_nothing_and_a_changed_record_is_updated(v2, engine):
    first = run("ctgov", [str(v2)], engine, progress=False)
    again = run("ctgov", [str(v2)], engine, progress=False)
    assert set(again.actions) == {"unchanged", "skipped"}
    assert again.actions["unchanged"] == first.actions["added"] + first.actions.get("unchanged", 0)
    path = v2 / "NCT04431453.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["protocolSection"]["identificationModule"]["briefTitle"] = "Remdesivir in children, renamed"
    path.write_text(json.dumps(data), encoding="utf-8")
    changed = run("ctgov", [str(path)], engine, progress=False)
    assert changed.actions == {"updated": 1}
    assert documents(engine)["NCT04431453"]["plain_title"] == "Remdesivir in children, renamed"


def test_a_malformed_record_is_reported_and_the_rest_is_stored(v2, engine):
    (v2 / "broken.json").write_text('{"protocolSection": {"identificationModule": {}}}', encoding="utf-8")
    (v2 / "not_json.json").write_text("{ this is not json", encoding="utf-8")
    bad_date = json.loads((v2 / "NCT05594173.json").read_text(encoding="utf-8"))
    bad_date["protocolSection"]["statusModule"]["startDateStruct"] = {"date": "sometime in spring"}
    bad_date["protocolSection"]["identificationModule"]["nctId"] = "NCT99999998"
    (v2 / "bad_date.json").write_text(json.dumps(bad_date), encoding="utf-8")
    report = run("ctgov", [str(v2)], engine, progress=False)
    problems = "\n".join(report.problems)
    assert "broken.json" in problems and "nctId" in problems
    assert "not_json.json" in problems
    assert "bad_date.json" in problems and "startDateStruct" in problems
    docs = documents(engine)
    assert "NCT99999998" not in docs and "NCT04431453" in docs


def test_curated_files_win_and_trials_load_keeps_imported_trials(v2, engine, shared):
    store.load(read_directory(TRIALS_DIR), engine)
    report = run("ctgov", [str(v2)], engine, progress=False)
    assert report.actions["curated_wins"] >= 2  # NCT04431453 and NCT03281889 are curated files
    docs = documents(engine)
    assert docs["NCT04431453"].get("origin", "curated") == "curated"
    imported = {i for i, d in docs.items() if d.get("origin") == "imported"}
    assert imported
    again = store.load(read_directory(TRIALS_DIR), engine)
    assert not again.removed and imported <= set(documents(engine))
    ctis = run("ctis", [str(shared / "registry" / "ctis")], engine, progress=False)
    assert ctis.actions["curated_wins"] == 1  # the posaconazole trial is curated
    assert ctis.actions["added"] >= 3
    assert all("not a CTIS record" in p for p in ctis.problems)


def test_the_matcher_sees_imported_trials(v2, engine, capsys):
    run("ctgov", [str(v2)], engine, progress=False)
    assert main(["match", "--json", "62 year old man with pancreatic cancer"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert "NCT04523987" in [r["trial_id"] for r in results]  # recruiting, imported from the register


def test_import_command_prints_the_coverage_report(v2, capsys):
    assert main(["import", "ctgov", str(v2), "--report", "--json", "--quiet"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    coverage = report["coverage"]
    assert coverage["lines"] == coverage["rules"] + coverage["partial"] + coverage["manual"] > 0
    assert report["per_trial"]["NCT04431453"]["lines"] > 0
    assert "skipped:" in err and "import ctgov:" in err


def test_a_record_without_criteria_is_never_a_trial_with_nothing_to_check(v2):
    record = next(r for r in read_ctgov([str(v2 / "NCT05594173.json")]) if hasattr(r, "trial_id"))
    record.eligibility_text = None
    document, _ = build_document(record)
    assert document["criteria"]["inclusion"][0]["manual"]


def test_a_register_age_field_that_contradicts_the_records_own_lines_is_not_applied(v2):
    from bot.registry.importer import import_trial

    record = next(r for r in read_ctgov([str(v2 / "NCT05594173.json")]) if hasattr(r, "trial_id"))
    record.min_age = "40 years"
    record.eligibility_text = "Inclusion Criteria:\n\n* Adults aged 18 to 65 years\n"
    trial, _ = import_trial(record)
    assert "min_age" not in (trial.data.get("population") or {})
    assert "contradicts its own criteria lines" in trial.data["criteria"]["inclusion"][0]["note"]


def test_lead_ins_pointers_and_not_specified_are_counted_apart_and_sub_items_keep_the_lead_in_time_frame(v2):
    record = next(r for r in read_ctgov([str(v2 / "NCT05594173.json")]) if hasattr(r, "trial_id"))
    record.eligibility_text = ("Exclusion Criteria:\n\nExcluded within 30 days of study entry:\n\n  * Isoniazid.\n"
                               "  * Ribavirin.\n\nSee Disease Characteristics\n\nLife expectancy: Not specified\n\n"
                               "Pregnant or breastfeeding women.\n")
    document, coverage = build_document(record)
    exclusions = document["criteria"]["exclusion"]
    isoniazid = next(c for c in exclusions if c["text"] == "Isoniazid.")
    assert isoniazid["rule"] == {"medication": {"drugs": ["isoniazid"]}, "within": "30 days"}
    assert isoniazid["partial"] == "necessary" and isoniazid["parent"]  # a sub-item never decides alone
    counted = coverage.to_dict()
    assert counted["lines"] == 6 and counted["structural_lines"] == 3
    assert counted["covered_share_of_criterion_lines"] == 1.0


def test_a_parser_failure_on_one_line_keeps_the_line_manual_and_the_record(v2, monkeypatch):
    import bot.registry.importer as importer

    record = next(r for r in read_ctgov([str(v2 / "NCT05594173.json")]) if hasattr(r, "trial_id"))
    record.eligibility_text = "Inclusion Criteria:\n\n* Adults aged 18 to 65 years\n* HIV negative\n"
    real = importer.parse_line

    def failing(text, kind, lead_in=None):
        if text.startswith("HIV"):
            raise KeyError("within")
        return real(text, kind, lead_in)

    monkeypatch.setattr(importer, "parse_line", failing)
    document, coverage = build_document(record)
    lines = document["criteria"]["inclusion"]
    assert lines[0]["rule"] and "parser failed" in lines[1]["manual"]
    assert coverage.to_dict()["manual_reasons"] == {"the parser failed on this line": 1}
