"""The message catalogues: gather every sentence the assistant says, and check that French and Dutch have them all.

    python scripts/i18n_catalogue.py extract   # bot/locale/trialbot.pot from the code and the facts; merge into .po
    python scripts/i18n_catalogue.py check     # every message translated, with the same {placeholders}; exit 1 if not

Sentences come from two places. In the code, Babel's extractor finds the calls that mark them: `_("...")`,
`phrase("...")`, `marked("...")`, `asked("...")` (a question about the patient), `.plural(one, many, n)` and
`.ctx(context, "...")`. The facts' labels, questions and examples (bot.facts) and the words for whom a caregiver
speaks for (actions.questions.RELATIONS) are data, gathered here. Questions get two French and Dutch entries, one per
context: asked of the person ("you") and about someone else ("they", naming them with {who}).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.facts import FACTS  # noqa: E402
from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, THEY, YOU, catalogue_path  # noqa: E402

KEYWORDS = {"_": None, "phrase": (1,), "marked": (1,), "plural": (1, 2), "ctx": ((1, "c"), 2)}
SOURCES = ("bot", "actions", "channels")
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def _code_messages() -> Iterator[tuple[str | tuple[str, str], str | None, bool]]:
    """(msgid or (singular, plural), context, is a question about the patient) from the marked calls."""
    for folder in SOURCES:
        for _file, _line, message, comments, context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()):
            del comments
            text = message if isinstance(message, str) else tuple(m for m in message if m)
            if isinstance(text, tuple) and len(text) == 1:
                text = text[0]
            yield text, context, False
    for path in (ROOT / folder for folder in SOURCES):
        for source in path.rglob("*.py"):
            for match in re.finditer(r"\basked\(\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)\)", source.read_text("utf-8")):
                parts = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", match.group(1))
                yield "".join(parts).encode().decode("unicode_escape"), None, True


def _data_messages() -> Iterator[tuple[str, str | None, bool]]:
    for fact in FACTS.values():
        yield fact.label, None, False
        yield fact.question, None, True
        if fact.example:
            yield fact.example, None, False
        if fact.plain:
            yield fact.plain, None, False
        for choice in fact.choices:
            yield choice, None, False
    for relation in _relations():
        yield relation, None, False


def _relations() -> tuple[str, ...]:
    """actions.questions.RELATIONS, read from the source: importing actions would start the action server's warm-up."""
    tree = ast.parse((ROOT / "actions" / "questions.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "RELATIONS" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise LookupError("RELATIONS not found in actions/questions.py")


@cache
def template() -> Catalog:
    """Every message the assistant may say, as a gettext template."""
    catalog = Catalog(domain=DOMAIN, project="trialbot", charset="utf-8")
    for text, context, question in [*_code_messages(), *_data_messages()]:
        if not text:
            continue
        if question:
            catalog.add(text, context=YOU)
            catalog.add(text, context=THEY)
        else:
            catalog.add(text, context=context)
    return catalog


def _read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def extract() -> None:
    """Write the template and bring each language's catalogue up to it (new messages empty, gone ones dropped)."""
    pot = template()
    with TEMPLATE.open("wb") as handle:
        write_po(handle, pot, sort_output=True, omit_header=False, width=120)
    for lang in LANGUAGES[1:]:
        path = catalogue_path(lang)
        catalog = _read(path, lang) if path.exists() else Catalog(locale=lang, domain=DOMAIN, project="trialbot")
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=120, ignore_obsolete=True)
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages")


def problems(lang: str) -> list[str]:
    """What the catalogue of one language lacks or gets wrong, one line each; empty when it is complete."""
    path = catalogue_path(lang)
    if not path.exists():
        return [f"{path.relative_to(ROOT)}: missing; run `python scripts/i18n_catalogue.py extract`"]
    catalog = _read(path, lang)
    found: list[str] = []
    for wanted in template():
        if not wanted.id:
            continue
        have: Message | None = catalog.get(wanted.id, context=wanted.context)
        shown = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
        where = f"{path.relative_to(ROOT)}: {shown[:70]!r}" + (f" (context {wanted.context})" if wanted.context else "")
        if have is None or not have.string or (isinstance(have.string, tuple) and not all(have.string)):
            found.append(f"{where}: not translated")
            continue
        if have.fuzzy:
            found.append(f"{where}: marked fuzzy, to be checked")
            continue
        expected = set(PLACEHOLDER.findall(" ".join(wanted.id if isinstance(wanted.id, tuple) else [wanted.id])))
        if wanted.context == THEY:
            expected.add("who")
        for form in have.string if isinstance(have.string, tuple) else [have.string]:
            got = set(PLACEHOLDER.findall(form))
            if got - expected or (expected - {"count"}) - got:
                found.append(f"{where}: placeholders {sorted(got)} but the message has {sorted(expected)}")
                break
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["extract"]:
        extract()
        return 0
    if argv[:1] == ["check"]:
        lines = [line for lang in LANGUAGES[1:] for line in problems(lang)]
        print("\n".join(lines) if lines else "catalogues complete: " + ", ".join(LANGUAGES[1:]))
        return 1 if lines else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
