"""Report (not a test): NLU intent cross-validation per language for the one multilingual model.

Each language's examples (data/nlu.yml for English, data/nlu_fr.yml, data/nlu_nl.yml) are split per intent into
k folds. For each fold, the NLU model of config.yml is trained once on the training parts of all languages
together, then tested on each language's held-out part. Prints, per language, the number of examples, the intent
accuracy and weighted F1 of the classifier (mean over folds; as in `rasa test nlu`, a FallbackClassifier
prediction is undone and the classifier's top intent scored), the share of messages that would fall back, and
the intent pairs most often confused.

Run with the Rasa environment:
    .venv/rasa/bin/python scripts/nlu_languages.py [--folds 3] [--languages en fr nl]
`--languages en` gives the English-only figures to compare with. Models go to a temporary folder, never models/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import sys
import tempfile
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
FILES = {"en": "data/nlu.yml", "fr": "data/nlu_fr.yml", "nl": "data/nlu_nl.yml"}


def load(language: str) -> Any:
    """The TrainingData of one language's NLU file."""
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(ROOT / FILES[language]))


def split(examples: list[Any], folds: int, seed: int) -> list[list[Any]]:
    """The examples in `folds` parts, each intent spread evenly over the parts (a fixed shuffle per intent)."""
    by_intent: dict[str, list[Any]] = defaultdict(list)
    for message in examples:
        by_intent[message.get("intent")].append(message)
    parts: list[list[Any]] = [[] for _ in range(folds)]
    for intent in sorted(by_intent):
        group = list(by_intent[intent])
        random.Random(f"{seed}-{intent}").shuffle(group)
        for index, message in enumerate(group):
            parts[index % folds].append(message)
    return parts


def train(training_data: Any, folder: Path) -> str:
    """Train the NLU model of config.yml on `training_data` in `folder`; the model archive's path."""
    from rasa.model_training import train_nlu

    data_file = folder / "train.yml"
    data_file.write_text(training_data.nlu_as_yaml(), encoding="utf-8")
    with contextlib.redirect_stdout(sys.stderr):
        model = train_nlu(str(ROOT / "config.yml"), str(data_file), str(folder / "model"), fixed_model_name="fold")
    if not model:
        raise SystemExit("training failed")
    return model


def predict(model: str, texts: list[str]) -> list[tuple[str, bool]]:
    """For each text, the classifier's intent and whether the FallbackClassifier steps in.

    As in `rasa test nlu`, a fallback is undone so that the classifier's own top intent is scored.
    """
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers import fallback_classifier

    agent = Agent.load(model)

    async def parse_all() -> list[tuple[str, bool]]:
        predictions = []
        for text in texts:
            result = await agent.parse_message(text)
            fell_back = fallback_classifier.is_fallback_classifier_prediction(result)
            if fell_back:
                result = fallback_classifier.undo_fallback_prediction(result)
            predictions.append((result["intent"]["name"], fell_back))
        return predictions

    return asyncio.run(parse_all())


def scores(truth: list[str], predicted: list[str]) -> tuple[float, float]:
    """Accuracy and F1 weighted by the support of the true intents."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(truth))
    return accuracy_score(truth, predicted), f1_score(truth, predicted, labels=labels, average="weighted",
                                                       zero_division=0)


def main(argv: list[str] | None = None) -> None:
    """Cross-validate and print one line per language."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3, help="number of folds (default 3)")
    parser.add_argument("--languages", nargs="+", choices=sorted(FILES), default=list(FILES),
                        help="languages to train and test on together (default: en fr nl)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the split (default 1)")
    parser.add_argument("--top", type=int, default=5, help="confused intent pairs shown per language (default 5)")
    parser.add_argument("--errors", action="store_true", help="also list every misclassified held-out example")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")

    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)

    data = {language: load(language) for language in args.languages}
    parts = {language: split(td.intent_examples, args.folds, args.seed) for language, td in data.items()}
    regexes = [pattern for td in data.values() for pattern in td.regex_features]
    lookups = [table for td in data.values() for table in td.lookup_tables]

    accuracy: dict[str, list[float]] = defaultdict(list)
    weighted_f1: dict[str, list[float]] = defaultdict(list)
    fallbacks: Counter[str] = Counter()
    confused: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    errors: list[str] = []
    for fold in range(args.folds):
        training = [m for language in args.languages for i, part in enumerate(parts[language]) if i != fold
                    for m in part]
        print(f"fold {fold + 1}/{args.folds}: training on {len(training)} examples ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="nlu_languages_") as tmp:
            model = train(TrainingData(training_examples=training, regex_features=regexes, lookup_tables=lookups),
                          Path(tmp))
            for language in args.languages:
                held_out = parts[language][fold]
                truth = [m.get("intent") for m in held_out]
                predictions = predict(model, [m.get("text") for m in held_out])
                predicted = [intent for intent, _ in predictions]
                fallbacks[language] += sum(fell_back for _, fell_back in predictions)
                acc, f1 = scores(truth, predicted)
                accuracy[language].append(acc)
                weighted_f1[language].append(f1)
                for message, guess in zip(held_out, predicted, strict=True):
                    if guess != message.get("intent"):
                        confused[language][(message.get("intent"), guess)] += 1
                        errors.append(f"{language}  {message.get('intent')} → {guess}: {message.get('text')}")

    print(f"\nNLU intent cross-validation, {args.folds} folds, one model trained on: {' '.join(args.languages)}")
    print(f"{'lang':<5}{'examples':>9}{'accuracy':>10}{'weighted F1':>13}{'fallback':>10}"
          "  most confused (true → predicted)")
    for language in args.languages:
        count = len(data[language].intent_examples)
        pairs = ", ".join(f"{t} → {p} ×{n}" for (t, p), n in confused[language].most_common(args.top)) or "none"
        print(f"{language:<5}{count:>9}{mean(accuracy[language]):>10.3f}{mean(weighted_f1[language]):>13.3f}"
              f"{fallbacks[language] / count:>10.1%}  {pairs}")
    if args.errors:
        print("\nmisclassified held-out examples (true → predicted):")
        print("\n".join(sorted(errors)))


if __name__ == "__main__":
    main()
