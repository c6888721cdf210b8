"""`trialbot` as a clinician and staff use it: one JSON object, readable tables, scenario diffs."""

import json
import logging

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def isolated_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_match_json_from_text(capsys):
    code, out, _ = run(capsys, "match", "--json", "6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?")
    assert code == 0
    data = json.loads(out)
    assert data["profile"]["ferritin"] == 4500
    results = {r["trial_id"]: r for r in data["results"]}
    assert results["2025-524541-27-00"]["verdict"] == "possible"
    assert results["2025-524541-27-00"]["recruitment"][0]["start"] == "2026-05-01"
    # The trial built for this child comes first (a new user once saw a brain-tumour radiation trial on top).
    assert data["results"][0]["trial_id"] == "2025-524541-27-00"
    # The MPN trial's first line needs an MPN: the prefilter leaves it out before any rule runs.
    assert "2025-523921-17-00" not in results
    assert data["stats"]["catalogue"] > data["stats"]["passed_prefilter"] >= data["stats"]["evaluated"] >= 1
    assert data["order"].startswith("Trials that may fit come first")
    first = data["next_questions"][0]
    asking = [r for r in data["results"]
              if r["verdict"] == "possible" and first["fact"] in {m["fact"] for m in r["missing"]}]
    assert first["trials"] == len(asking) >= 1


def test_match_other_conditions_are_counted_and_checked_when_asked(capsys):
    """Trials registered only for other conditions than ALL are counted, and checked only on request."""
    _code, out, _ = run(capsys, "match", "--json", "--all", "6 y/o with ALL")
    data = json.loads(out)
    left_out = data["other_conditions_left_out"]
    _code, out, _ = run(capsys, "match", "--json", "--all", "--other-conditions", "6 y/o with ALL")
    wider = json.loads(out)
    extra = {r["trial_id"] for r in wider["results"]} - {r["trial_id"] for r in data["results"]}
    assert left_out >= 1 and len(extra) == left_out and wider["other_conditions_left_out"] == 0
    assert "2025-524541-27-00" not in extra


def test_match_pages_with_limit_and_offset(capsys):
    _code, out, _ = run(capsys, "match", "--json", "--all", "--limit", "2", "adult")
    data = json.loads(out)
    fitting = data["counts"]["may_fit"]
    assert fitting > 3 and data["counts"]["may_fit_shown"] == 2
    first = [r["trial_id"] for r in data["results"] if r["verdict"] != "ineligible"]
    _code, out, _ = run(capsys, "match", "--json", "--all", "--limit", "2", "--offset", "2", "adult")
    second = [r["trial_id"] for r in json.loads(out)["results"] if r["verdict"] != "ineligible"]
    assert len(second) == 2 and not set(first) & set(second)
    _code, out, _ = run(capsys, "match", "--all", "--limit", "2", "adult")
    assert f"{fitting - 2} more trials may fit (see them with --offset 2)" in out


def test_match_json_from_profile_file(capsys, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 67 years\ndiagnoses: [et]\nplatelets: 85 G/L\n", encoding="utf-8")
    code, out, _ = run(capsys, "match", "--json", "--profile", str(profile))
    data = json.loads(out)
    assert code == 0 and data["results"][-1]["verdict"] == "ineligible"


def test_match_table_never_says_eligible(capsys):
    code, out, _ = run(capsys, "match", "67F with ET on Hydrea for 8 months, partial response, plt 250")
    assert code == 0 and "2025-523921-17-00" in out
    assert "eligible" not in out.lower().replace("ineligible", "")
    assert "study team decides" in out


def test_impossible_values_are_reported_not_used(capsys):
    _, out, _ = run(capsys, "match", "--json", "I'm 300 with ET")
    data = json.loads(out)
    assert "age" not in data["profile"] and data["problems"][0]["fact"] == "age"


def test_bad_profile_file_is_a_clear_error(capsys, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 400 years\n", encoding="utf-8")
    code, _, err = run(capsys, "match", "--json", "--profile", str(profile))
    assert code == 2 and "not a possible age" in err


def test_trials_load_list_show(capsys):
    assert run(capsys, "trials", "load")[0] == 0
    code, out, _ = run(capsys, "trials", "list", "--json")
    ids = [row["trial_id"] for row in json.loads(out)]
    assert code == 0 and {"2025-523921-17-00", "2025-524541-27-00"} <= set(ids)
    code, out, _ = run(capsys, "trials", "show", "2025-524541-27-00", "--json")
    assert code == 0 and json.loads(out)["protocol"] == "MB24THR"
    assert run(capsys, "trials", "show", "NCT00000000")[0] == 1


def test_validate_refuses_a_bad_directory(capsys, tmp_path):
    (tmp_path / "NCT12345678.yaml").write_text("id: NCT12345678\ntitle: x\n", encoding="utf-8")
    code, _, err = run(capsys, "trials", "validate", "--dir", str(tmp_path))
    assert code == 1 and "NCT12345678.yaml" in err and "nothing was loaded" in err


def test_scenario_failure_shows_a_clear_diff(capsys, tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text("scenarios:\n  - name: wrong on purpose\n    profile: {age: 67 years, platelets: 85 G/L}\n"
                     "    expect: {2025-523921-17-00: eligible}\n", encoding="utf-8")
    code, out, _ = run(capsys, "scenarios", "run", str(cases))
    assert code == 1
    assert "FAIL" in out and "expected eligible, got ineligible" in out and "85 G/L" in out


def test_health_facts_never_reach_logs(capsys, caplog):
    caplog.set_level(logging.DEBUG)
    run(capsys, "match", "--json", "67F with ET, platelets 85, ferritin 4321, pregnant")
    logged = " ".join(r.getMessage() for r in caplog.records)
    for secret in ("4321", "85", "pregnant", "ET"):
        assert secret not in logged
