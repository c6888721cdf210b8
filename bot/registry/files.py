"""Register record files: folders, globs, zips and search pages, read one JSON document at a time, and typed
access to their fields so that every malformed value is reported with the path of the field it is in.

Shared by the readers of each register (`bot.registry.ctgov`, `bot.registry.ctis`).
"""

from __future__ import annotations

import functools
import glob
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.registry.record import RecordError

WHOLE_FILE = "(file)"  # the record named by an error about a file that yields no record at all
ROOT = "$"  # the field named by an error about a whole document
_ISO_DATES = ((re.compile(r"\d{4}"), "%Y"), (re.compile(r"\d{4}-\d{2}"), "%Y-%m"),
              (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"))
_GLOB = re.compile(r"[*?\[]")
_READABLE = (".json", ".zip")


class Invalid(Exception):
    """A field that is not what the register's schema promises; the reader turns it into a RecordError."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


@dataclass(frozen=True)
class Node:
    """A JSON value with its path in the record, so that every type check can name the field it failed on.

    An absent key reads as an empty value (no object, no list, no text); a present key of the wrong type raises
    `Invalid`.
    """

    value: Any
    path: str = ""

    def child(self, key: str) -> Node:
        path = f"{self.path}.{key}" if self.path else key
        if self.value is None:
            return Node(None, path)
        if not isinstance(self.value, dict):
            raise Invalid(self.path or ROOT, f"expected an object, found {kind_of(self.value)}")
        return Node(self.value.get(key), path)

    def obj(self, key: str) -> Node:
        node = self.child(key)
        if node.value is not None and not isinstance(node.value, dict):
            raise Invalid(node.path, f"expected an object, found {kind_of(node.value)}")
        return node

    def items(self, key: str) -> list[Node]:
        node = self.child(key)
        if node.value is None:
            return []
        if not isinstance(node.value, list):
            raise Invalid(node.path, f"expected a list, found {kind_of(node.value)}")
        return [Node(value, f"{node.path}[{index}]") for index, value in enumerate(node.value)]

    def text(self, key: str) -> str | None:
        """The string under `key`, trimmed; None when absent or blank."""
        return as_text(self.child(key))

    def texts(self, key: str) -> list[str]:
        """The non-blank strings of the list under `key`."""
        return [text for text in map(as_text, self.items(key)) if text is not None]

    def flag(self, key: str) -> bool | None:
        node = self.child(key)
        if node.value is not None and not isinstance(node.value, bool):
            raise Invalid(node.path, f"expected true/false, found {kind_of(node.value)}")
        return node.value

    def code(self, key: str) -> str | None:
        """A code that registers write as a number or as a string, always returned as a string."""
        node = self.child(key)
        if node.value is None:
            return None
        if isinstance(node.value, bool) or not isinstance(node.value, int | str):
            raise Invalid(node.path, f"expected a code, found {kind_of(node.value)}")
        return str(node.value).strip() or None

    def date(self, key: str, parse: Callable[[str], str | None] | None = None) -> str | None:
        """The date under `key` as ISO text (YYYY, YYYY-MM or YYYY-MM-DD); raises Invalid if unreadable."""
        text = self.text(key)
        if text is None:
            return None
        value = (parse or iso_date)(text)
        if value is None:
            raise Invalid(self.child(key).path, f"unreadable date {text!r}")
        return value


def as_text(node: Node) -> str | None:
    if node.value is None:
        return None
    if not isinstance(node.value, str):
        raise Invalid(node.path, f"expected a string, found {kind_of(node.value)}")
    return node.value.strip() or None


def iso_date(text: str) -> str | None:
    """`text` if it is an ISO date of year, month or day precision that exists on the calendar, else None."""
    for pattern, form in _ISO_DATES:
        if pattern.fullmatch(text):
            try:
                datetime.strptime(text, form)
            except ValueError:
                return None
            return text
    return None


def untruncated(node: Node, key: str) -> str | None:
    """The text under `key`, refused if cut short with a trailing '...' (AACT's fixtures do that)."""
    text = node.text(key)
    if text is not None and text.endswith("..."):
        raise Invalid(node.child(key).path, "text cut short (ends in '...'): the record is not used")
    return text


def documents(paths: Iterable[str | Path]) -> Iterator[tuple[str, Any] | RecordError]:
    """Each JSON document under `paths` with the source that names it; an unreadable file is a RecordError."""
    for path in _files(paths):
        if isinstance(path, RecordError):
            yield path
        elif path.suffix.lower() == ".zip":
            yield from _zip_documents(path)
        else:
            yield _load(str(path), path.read_bytes)


def _files(paths: Iterable[str | Path]) -> Iterator[Path | RecordError]:
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _folder(path)
        elif path.is_file():
            yield path
        elif _GLOB.search(str(given)):
            matches = [Path(match) for match in sorted(glob.glob(str(given), recursive=True))]
            if not matches:
                yield RecordError(str(given), WHOLE_FILE, ROOT, "no file matches this pattern")
            for match in matches:
                if match.is_dir():
                    yield from _folder(match)
                elif match.suffix.lower() in _READABLE:
                    yield match
        else:
            yield RecordError(str(given), WHOLE_FILE, ROOT, "no such file or folder")


def _folder(folder: Path) -> Iterator[Path]:
    """The JSON and zip files under `folder`, in name order, leaving out hidden ones."""
    for path in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if path.is_file() and path.suffix.lower() in _READABLE and not hidden:
            yield path


def _zip_documents(path: Path) -> Iterator[tuple[str, Any] | RecordError]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        yield RecordError(str(path), WHOLE_FILE, ROOT, f"not a readable zip file: {exc}")
        return
    with archive:
        for member in archive.infolist():
            if not member.is_dir() and member.filename.lower().endswith(".json"):
                yield _load(f"{path}:{member.filename}", functools.partial(archive.read, member))


def _load(source: str, read: Callable[[], bytes]) -> tuple[str, Any] | RecordError:
    try:
        return source, json.loads(read())
    except (OSError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        return RecordError(source, WHOLE_FILE, ROOT, f"cannot be read as JSON: {exc}")
