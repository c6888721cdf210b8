"""The catalogue: both seeds complete line by line, bad files refused whole, the database loaded idempotently."""

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine

from bot.catalog import store
from bot.catalog.trial import CatalogError, Recruitment, TrialFileError, read_directory, read_trial_file

SEED_FILES = {"2025-523921-17-00": "000_60e8780ba72ceb8b.txt", "2025-524541-27-00": "004_165eda42f7e61a87.txt"}


def seed_lines(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1]
    section = re.split(r"\n(?:Who Cannot Join|Where you can join)", section, maxsplit=1)[0]
    return [line.strip().lstrip("•").strip() for line in section.splitlines() if line.strip().startswith("•")]


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


@pytest.mark.parametrize("trial_id", sorted(SEED_FILES))
def test_every_seed_line_is_one_criterion_in_order(shared, seeds, trial_id):
    trial = {t.id: t for t in seeds}[trial_id]
    text = (shared / "seeds" / SEED_FILES[trial_id]).read_text(encoding="utf-8")
    for kind, heading in (("inclusion", "Who Can Join the Study?"), ("exclusion", "Who Cannot Join the Study?")):
        lines = seed_lines(text, heading)
        ours = [c for c in trial.criteria if c.kind == kind]
        assert len(ours) == len(lines), f"{trial_id} {kind}: {len(lines)} lines in the seed, {len(ours)} criteria"
        for line, criterion in zip(lines, ours, strict=True):
            overlap = len(words(line) & words(criterion.text)) / len(words(criterion.text))
            assert overlap > 0.6, f"{trial_id} {criterion.id} does not carry the seed line {line!r}"


def test_seed_criterion_counts_without_shared(seeds):
    mpn, paed = seeds
    assert (len(mpn.criteria), len(paed.criteria)) == (15, 20)
    assert [c.kind for c in mpn.criteria].count("inclusion") == 4
    assert [c.kind for c in paed.criteria].count("inclusion") == 7


def test_composite_lines_stay_composite(seeds):
    mpn, paed = seeds
    in3 = next(c for c in mpn.criteria if c.id == "in3")
    assert set(in3.rule_raw) == {"any"} and len(in3.rule_raw["any"]) == 3
    liver = next(c for c in paed.criteria if c.id == "ex2")
    assert "hepatic_encephalopathy" in str(liver.rule_raw) and "inr" in str(liver.rule_raw)
    assert "vitamin_k_corrects" in str(liver.rule_raw)
    tnf = next(c for c in paed.criteria if c.id == "ex13")
    assert tnf.rule_raw["within_half_lives"] == 5


def test_every_criterion_is_a_rule_or_a_visible_manual_check(trials):
    for trial in trials:
        for criterion in trial.criteria:
            assert (criterion.rule is None) == (criterion.manual is not None), f"{trial.id} {criterion.id}"


def test_garbled_site_names_are_not_shown(seeds):
    mpn, _ = seeds
    paris = next(s for s in mpn.sites if s.city == "Paris")
    assert paris.name is None and not paris.verified
    assert paris.display() == "a site in Paris, France (name not confirmed)"


def test_recruitment_is_said_in_words(seeds):
    later = Recruitment("France", "not_yet_recruiting", "2099-06-01")
    assert later.display() == "not yet recruiting; planned to open on 1 June 2099 in France"
    assert Recruitment("France", "recruiting", "2024-03").display() == "recruiting in France (start March 2024)"


def test_a_planned_start_that_has_passed_is_status_unknown_with_the_date(seeds):
    mpn, paed = seeds  # both planned to open in 2026 and still say "not yet recruiting"
    assert mpn.recruitment[0].display() == (
        "status unknown in France, check with the study team (the register says not yet recruiting, "
        "planned to open on 1 June 2026, but that date has passed)")
    assert "planned to open on 1 May 2026" in paed.recruitment[0].display()


def write_trial(directory: Path, mutate) -> Path:
    data = yaml.safe_load((store.ROOT / "trials" / "2025-523921-17-00.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = directory / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "where", "message"),
    [(lambda d: d["criteria"]["exclusion"][3]["rule"].update(fact="platelet_count"), "criteria.exclusion[3].rule",
      "unknown fact 'platelet_count'"),
     (lambda d: d["criteria"]["exclusion"][3]["rule"].update(unit="bananas"), "criteria.exclusion[3].rule", "bananas"),
     (lambda d: d["criteria"]["inclusion"][0]["rule"].update(within=["mpn_typo"]), "criteria.inclusion[0].rule",
      "unknown concept 'mpn_typo'"),
     (lambda d: d["criteria"]["exclusion"][4]["rule"].update(op="=<"), "criteria.exclusion[4].rule",
      "unknown operator"),
     (lambda d: d["criteria"]["exclusion"][1].pop("manual"), "criteria.exclusion[1]", "valid under"),
     (lambda d: d["recruitment"][0].update(status="open"), "recruitment[0].status", "is not one of"),
     (lambda d: d.pop("title"), "(top level)", "'title' is a required property")],
)
def test_bad_trial_file_names_file_field_and_problem(tmp_path, mutate, where, message):
    path = write_trial(tmp_path, mutate)
    with pytest.raises(TrialFileError) as error:
        read_trial_file(path)
    text = str(error.value)
    assert str(path) in text and where in text and message in text


def test_one_bad_file_means_nothing_is_loaded(tmp_path, database_url):
    engine = create_engine(database_url)
    good = tmp_path / "good"
    good.mkdir()
    write_trial(good, lambda d: None)
    store.load(read_directory(good), engine)
    write_trial(good, lambda d: d["criteria"]["exclusion"][3]["rule"].update(fact="nonsense"))
    with pytest.raises(CatalogError) as error:
        read_directory(good)
    assert "nonsense" in str(error.value)
    assert [row["trial_id"] for row in store.summaries(engine)] == ["2025-523921-17-00"]


def test_load_is_idempotent_and_syncs_removed_trials(database_url, trials):
    engine = create_engine(database_url)
    first = store.load(trials, engine)
    assert len(first.added) == len(trials)
    again = store.load(trials, engine)
    assert again.added == again.updated == again.removed == [] and len(again.unchanged) == len(trials)
    fewer = store.load(trials[1:], engine)
    assert fewer.removed == [trials[0].id]
    rebuilt = {t.id: t for t in store.read_all(engine)}
    assert rebuilt[trials[1].id].criteria == trials[1].criteria


def test_show_finds_a_trial_by_register_id(database_url, trials):
    engine = create_engine(database_url)
    store.load(trials, engine)
    assert store.document(engine, "2025-524541-27-00")["protocol"] == "MB24THR"
    assert store.document(engine, "NCT99999999") is None


def test_unloaded_and_unreachable_databases_say_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(store.CatalogUnavailable, match="trials load"):
        store.summaries(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:secret@127.0.0.1:1/none")
    with pytest.raises(store.CatalogUnavailable) as error:
        store.summaries(store.engine_for())
    assert "secret" not in str(error.value) and "DATABASE_URL" in str(error.value)


@pytest.mark.parametrize(("age", "verdict"), [("67 years", "ineligible"), ("18 years", "ineligible"),
                                              ("6574 days", "possible"), ("2 years", "possible")])
def test_register_age_limits_apply_inclusively(trials, age, verdict):
    """NCT00049764 (children's sepsis) has a register maximum of 17 years: up to the 18th birthday."""
    from bot.matching import evaluate_trial
    from bot.profile import profile_from_mapping

    trial = {t.id: t for t in trials}["NCT00049764"]
    population = trial.criteria[0]
    assert population.id == "in0" and "register record" in population.text
    result = evaluate_trial(trial, profile_from_mapping({"age": age}))
    assert result.verdict == verdict
    if verdict == "ineligible":
        assert result.failed[0].criterion.id == "in0"


def test_register_age_limits_are_checked_like_rules(tmp_path):
    path = write_trial(tmp_path, lambda d: d.update(population={"min_age": "eighteen"}))
    with pytest.raises(TrialFileError, match="population"):
        read_trial_file(path)
