"""The person's language: catalogues complete, sentences of the lower layers worded again at the edge, trial texts."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.catalog.trial import Recruitment, Site, TrialFileError, parse_trial, read_trial_file
from bot.facts import FACTS, ValueRefused
from bot.i18n import Country, Month, Number, Phrase, Translated, any_of, language, localise, phrase, translations, words
from bot.profile import Profile

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ("2025-523921-17-00", "2025-524541-27-00")


def test_a_language_code_is_one_of_three():
    assert language("fr-FR") == "fr"
    assert language("nl_BE") == "nl"
    assert language("de") == "en"
    assert language(None) == "en"


def test_every_message_is_translated_with_the_same_placeholders():
    """Fails with one line per message a catalogue lacks (run `python scripts/i18n_catalogue.py extract` after
    adding a sentence, then translate it in bot/locale/fr.po and nl.po)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import i18n_catalogue

    missing = [line for lang in ("fr", "nl") for line in i18n_catalogue.problems(lang)]
    assert not missing, "\n".join(missing[:40]) + (f"\n… and {len(missing) - 40} more" if len(missing) > 40 else "")


def test_the_template_is_up_to_date_with_the_code():
    """A sentence added to the code without running the extractor would go untranslated silently."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import i18n_catalogue
    from babel.messages.pofile import read_po

    with i18n_catalogue.TEMPLATE.open("rb") as handle:
        kept = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in read_po(handle) if m.id}
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in i18n_catalogue.template() if m.id}
    assert wanted <= kept, f"run `python scripts/i18n_catalogue.py extract`: {sorted(wanted - kept)[:5]}"


def test_a_phrase_reads_as_english_and_is_worded_again_in_french():
    said = phrase("{label} {value}, {words} {threshold}", label=FACTS["platelets"].named, value=Number(450),
                  words=phrase("at least"), threshold=phrase("{number} {unit}", number=Number(400), unit="G/L"))
    assert said == "platelet count 450, at least 400 G/L"
    french = localise(said, "fr")
    assert french != said and "450" in french and "400 G/L" in french


def test_numbers_dates_and_countries_as_each_language_writes_them():
    assert localise(Number(1.4), "fr") == "1,4" and localise(Number(1.4), "nl") == "1,4"
    assert localise(Number(1.4), "en") == "1.4"
    assert words("fr").date(date(2026, 5, 1)) == "1 mai 2026"
    assert words("nl").date(Month(2026, 5, 1), month_only=True) == "mei 2026"
    assert localise(Country("Netherlands"), "fr") == "Pays-Bas"
    assert localise(Country("France"), "nl") == "Frankrijk"
    assert localise(Country("Atlantis"), "nl") == "Atlantis"


def test_recruitment_and_sites_in_the_persons_language():
    opening = Recruitment("France", "not_yet_recruiting", "2099-05-01")
    assert opening.display() == "not yet recruiting; planned to open on 1 May 2099 in France"
    assert "1 mai 2099" in localise(opening.display(), "fr")
    assert "1 mei 2099" in localise(opening.display(), "nl")
    site = Site("Prinses Maxima Centrum", "Utrecht", "Netherlands", True)
    assert localise(site.display(), "fr") == "Prinses Maxima Centrum, Utrecht, Pays-Bas"


def test_an_impossible_value_is_refused_in_the_persons_language():
    with pytest.raises(ValueRefused) as refused:
        Profile().set("age", 300)
    assert "300 years is not a possible age" in refused.value.message
    french = localise(refused.value.message, "fr")
    assert "300" in french and french != refused.value.message


def test_lists_keep_their_translations():
    names = any_of([Translated("leukaemia", {"fr": "leucémie"}), Translated("lymphoma", {"fr": "lymphome"})])
    assert names == "leukaemia or lymphoma"
    assert "leucémie" in localise(names, "fr") and "lymphome" in localise(names, "fr")


def test_english_has_no_catalogue_and_needs_none():
    assert translations("en").gettext("Show results") == "Show results"
    assert isinstance(phrase("Show results"), Phrase)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_seed_trials_have_french_and_dutch_texts(seed):
    trial = read_trial_file(ROOT / "trials" / f"{seed}.yaml")
    for lang in ("fr", "nl"):
        for name in ("title", "plain_title", "summary"):
            text = trial.text(name)
            assert text is not None and text.has(lang), f"{seed}: no {lang} {name}"
        untranslated = [f"{c.id}.{name}" for c in trial.criteria if c.id != "in0"
                        for name in ("label", "manual", "also_check", "note")
                        if getattr(c, name) is not None and not getattr(c, name).has(lang)]
        assert not untranslated, f"{seed}: texts of criteria without {lang}: {untranslated}"


def test_a_translation_of_a_criterion_that_does_not_exist_is_refused():
    data = read_trial_file(ROOT / "trials" / f"{SEEDS[0]}.yaml").data
    broken = {**data, "translations": {"fr": {"criteria": {"in99": "n'existe pas"}}}}
    with pytest.raises(TrialFileError) as error:
        parse_trial(broken, "test.yaml")
    assert "translations.fr.criteria" in str(error.value) and "in99" in str(error.value)


def test_the_catalogue_check_runs_from_the_command_line():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n_catalogue.py"), "check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "catalogues complete" in done.stdout
