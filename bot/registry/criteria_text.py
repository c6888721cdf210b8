"""Split a register's eligibility-criteria text into criterion lines, the way registers lay that text out.

The matcher reads one criterion at a time, so it first needs each line with its section (inclusion or exclusion),
its numbering, the line it is a sub-item of and the sub-heading it sits under. Registers write this in many ways;
the rules below are the ones found in ClinicalTrials.gov (old plain text and the markdown of API v2), CTIS and the
annotated corpora in ../shared, tried in this order on each line:

- Markdown escapes (``\\<``, ``\\*``, ``1\\.``) are undone; other characters ("≥", "µ") are kept as written.
- A section heading names inclusion, exclusion or eligibility (or, in the legacy PDQ layout, "DISEASE
  CHARACTERISTICS", "PATIENT CHARACTERISTICS" or "PRIOR CONCURRENT THERAPY", whose lines are requirements)
  within its first six words and ends with ':'
  ("Inclusion Criteria:", "Eligibility criteria:", "Inclusion criteria for mothers will be:") or, without a colon,
  with that phrase ("INCLUSION CRITERIA", "Key exclusion criteria", "Inclusion criteria -"), or is "... criteria for
  <group>". "No exclusion criteria" is not one: a negation or verb before the phrase makes it a criterion. Words
  after the colon are the first criterion; a heading with words of its own ("... for mothers") is also the
  `heading` of its lines.
- An unmarked sentence without digits that ends with ':' or "if", or speaks of "the following", and says its kind
  ("Patients must meet all of the following", "Patients with any of the following will be excluded", "Subjects
  will be included if:") opens a section too. "Patients with diabetes are excluded" is a criterion.
- A sub-heading ends with ':' (or is set off as "--Heading--", "**Heading**", "## Heading"), has at most eight
  words (four on a bulleted line), no digit, comparison sign or criterion word (must, have, is, meet, following,
  either, or, not, ...) and no numbering of its own: "Major criteria:", "* Bleeding Risk:", "For parent
  participants:". A short unmarked line without a colon is one when an indented list follows it ("Control group").
  Lines under it carry it as `heading`; it is a line itself only if nothing sits under it. "Patients fulfill at
  least 2 of the following 3 clinical manifestations:" has digits and verbs: a criterion whose sub-items point at it.
- Bullets (* - • · o + ▪) and numbering (1. 1) (1) [1] 1- a. a) (a) ii. (iv) 1.2) start an item, possibly both
  ("* a) ..."); a single i, v or x is a letter only right after h, u or w. An item is a sub-item of an open item
  with a smaller indent, or, at the same indent and with another marker style, of the item before it when that
  item opens a sub-list: it ends with ':', with "the following [criteria]", or hangs on "by", "as", "with", "of",
  "including". An item whose style matches an open list at its indent closes the lists opened after it.
- An unmarked line directly under another continues it (a hard wrap) when it is indented under that item, when a
  bracket is still open, or when it starts in lower case or with a digit after a line of 55 characters or more
  that did not end a sentence, or after a line ending in a joining word or comma. After a blank line, an indented
  paragraph belongs to the item above it: joined while the item has no sub-items, a sub-item after that. Other
  unmarked lines start a new line, a sub-item of the line before when that line opens a sub-list.
- A bare connector line ("OR", "AND") is put in front of the next line, or after the last one if none follows.
- Text with no list marker at all is prose: each paragraph is cut into sentences, minding abbreviations ("e.g.",
  "i.e.", "vs.", "approx.", "Dr.", "U.S."), decimals ("1.5") and units ("x 10^9/L"); an inline "Exclusion:" starts
  that section. In a text with markers, a multi-sentence paragraph stays one criterion, as registers mean it.
- A line outside any section has kind "unknown" unless its own words say it ("are excluded", "must not",
  "Exclusion:" -> exclusion; "must have", "eligible if" -> inclusion; both -> unknown); a sub-item that says
  nothing takes its parent's kind.
- Items with no letters or digits are dropped, and headings are not lines; no other words are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

INCLUSION = "inclusion"
EXCLUSION = "exclusion"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class CriterionLine:
    """One criterion as the register lists it, with its place in the list."""

    kind: str  # "inclusion", "exclusion" or "unknown"
    text: str  # the line's own words, bullets/numbering stripped, whitespace collapsed
    number: str | None  # the numbering the register gave ("1", "a", "ii", "1.2"), if any
    parent: int | None  # index in the returned list of the line this one is a sub-item of
    heading: str | None  # the sub-heading inside a section the line sits under, if any


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BULLET = re.compile(
    r"(?:(?P<dot>[•·▪◦‣●])\s*"  # round bullets may touch the text
    r"|\\?(?P<dash>[-–])(?:\s+|(?=[^\s\d\-–]))"  # "- x", "-x", CT.gov's escaped "\- x"; not "-5" or "--"
    r"|(?P<star>\*)(?:\s+|(?=[^\s*]))"  # "* x", "*x"; not "**bold**"
    r"|(?P<word>[o+])\s+)"  # "o x", "+ x" need a space
)
_NUMBER = re.compile(
    r"(?:\((?P<paren>\d{1,3}|[A-Za-z]|[ivxIVX]{2,5})\)"  # (1) (a) (iv)
    r"|\[(?P<square>\d{1,3})\\?\]"  # [1]
    r"|(?P<dotted>\d{1,3}(?:\.\d{1,3})+)(?:\\?[.)]|(?=\s+[A-Z(\[]))"  # 1.2  1.2.  1.2)
    r"|(?P<num>\d{1,3})\\?(?P<close>[.)\]．])(?=\s|[^\W\d_]|$)"  # 1.  1)  1]  1\.  1．  1.Text
    r"|(?P<hyphen>\d{1,2})-(?=\s|[A-Z][a-z])"  # 1- text, 6-Inflammatory
    r"|(?P<roman>[ivx]{2,5}|[IVX]{2,5})\\?(?P<rclose>[.)])(?=\s)"  # ii.  IV)
    r"|(?P<lower>[a-z])\\?(?P<lclose>[.)])(?=\s)"  # a.  b)
    r"|(?P<upper>[A-Z])\\?(?P<uclose>[.)])(?=\s+[A-Z0-9(≥≤<>])"  # A. Text (not "E. coli")
    r")\s*"
)
_COLON = re.compile(r"[:：]")
_DECORATED = re.compile(r"^(?:#{1,6}\s|([-=*_~]{2,}).*[-=*_~]{2,}$)")  # "## Heading", "--Heading--", "**Heading**"
_CONNECTOR = re.compile(r"^\W*(?:and|or|and\s*/\s*or|either|plus)\W*$", re.IGNORECASE)
_SECTION_PHRASE = re.compile(
    r"\b(?:(?P<excl>exclu[st]ions?)"
    r"|(?P<incl>inclu[st]ions?|eligibility|(?:eligible|entry|enrol+ment|selection|participation)\s+criteri\w*"
    # The legacy PDQ layout lists requirements under these headings: every line is one the person must meet.
    r"|(?:disease|patient)\s+characteristics|prior\s*/?\s*concurrent\s+therapy))"
    r"(?:\s+(?:criteri\w*|conditions?|requirements?))?\b",
    re.IGNORECASE,
)
_SECTION_FILLER = frozenset(
    "key main principal general study the inclusion inclusions exclusion exclusions inclution eligibility criteria "
    "criterion conditions condition requirements entry".split()
)
_NOT_A_HEADING = frozenset("no not none nor do does doesn't don't did meet meets met fulfil fulfill fulfils fulfills "
                           "all any see per other".split())
_INTRO_END = re.compile(r"[:：]\W*$|\bif\W*$|\b(?:following|below)\b", re.IGNORECASE)
_INTRO_EXCLUSION = re.compile(
    r"\bexclu\w*|\b(?:not|in|non)[\s-]?(?:be\s+)?eligib\w*|\bnot\s+(?:be\s+)?(?:included|enrolled)\b"
    r"|\bnone of the following\b",
    re.IGNORECASE,
)
_INTRO_INCLUSION = re.compile(
    r"\binclu\w*|\beligib\w*|\b(?:must|should|have to)\s+(?:meet|fulfil+|satisfy|have|be)\s+(?:all|each|every)\b",
    re.IGNORECASE,
)
_LABEL_STOP = frozenset(
    "must should shall will would can could may might have has had having is are was were be been being meet "
    "meets met fulfil fulfill fulfils fulfills satisfy satisfies following least defined define include includes "
    "including require requires required receiving received taking using either or nor neither not no".split()
)
_LABEL_WORDS = 8  # a sub-heading on a line of its own has at most this many words
_LABEL_WORDS_MARKED = 4  # a bulleted one is more often a criterion, so it must be shorter
_JOINING_WORDS = frozenset(
    "and or of with the a an to in for by on at from than as per who which that including such nor but "
    "plus between within without".split()
)
_OPENS = re.compile(r"(?:[:：]|\b(?:following(?:\s+[^\W\d_]+){0,2}|by|as|with|of|includ(?:e|es|ing)))\W{0,3}$",
                    re.IGNORECASE)
_EXCLUSION_CUES = re.compile(
    r"\bexcluded\b|\bexclusions?\s*[:：]|\bexclusion criteri|\b(?:must|should|shall)\s+not\b|\bcannot\s+participate\b"
    r"|\b(?:not|in|non)[\s-]?(?:be\s+)?eligible\b|\bnot\s+be\s+(?:enrolled|included)\b",
    re.IGNORECASE,
)
_INCLUSION_CUES = re.compile(
    r"\bmust\s+(?:have|meet|fulfil+|satisfy|agree|give|provide|sign)\b|\beligible\s+(?:if|when)\b"
    r"|\b(?:are|is|be|will\s+be)\s+eligible\b|\bincluded\s+if\b|\b(?:will\s+be|are|is)\s+included\b"
    r"|\binclusions?\s*[:：]|\binclusion criteri",
    re.IGNORECASE,
)
# Abbreviations a capital may follow without a new sentence; dotted ones ("e.g.", "U.S.") are recognised by their dots.
_ABBREVIATIONS = frozenset("eg ie vs approx dr mr mrs ms prof st fig al cf ca incl resp viz esp jr sr ref vol".split())
_SENTENCE_END = re.compile(r"[.!?]+[\"'’”)\]]*\s+(?=[\"'“(\[]?[A-Z0-9≥≤<>])")
_WRAP_WIDTH = 55  # a line at least this long that stops mid-sentence was probably hard-wrapped


def _unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def _words(text: str) -> list[str]:
    return text.split()


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _undecorate(text: str) -> str:
    """A heading without its markdown emphasis and rules ("**Inclusion Criteria**", "--Disease--")."""
    return text.strip(" *_#=~-–—\t")


@dataclass(frozen=True)
class _Marker:
    end: int  # where the criterion's own words start
    style: str  # what makes two items siblings: the bullet, or the numbering's kind and brackets
    number: str | None


def _marker(line: str) -> _Marker | None:
    """The bullet and/or numbering at the start of a line (already stripped of indentation)."""
    bullet = _BULLET.match(line)
    start = bullet.end() if bullet else 0
    numbered = _NUMBER.match(line, start)
    if bullet is None and numbered is None:
        return None
    number = style = None
    if numbered:
        groups = numbered.groupdict()
        if groups["paren"]:
            number, style = groups["paren"], "(" + _number_class(groups["paren"]) + ")"
        elif groups["square"]:
            number, style = groups["square"], "[num]"
        elif groups["dotted"]:
            number, style = groups["dotted"], "dotted"
        elif groups["num"]:
            number, style = groups["num"], "num" + groups["close"].replace("．", ".")
        elif groups["hyphen"]:
            number, style = groups["hyphen"], "num-"
        elif groups["roman"]:
            number, style = groups["roman"], "roman" + groups["rclose"]
        elif groups["lower"]:
            number, style = groups["lower"], "lower" + groups["lclose"]
        else:
            number, style = groups["upper"], "upper" + groups["uclose"]
    if bullet:
        style = "bullet" + (bullet.group("dot") or bullet.group("dash") or bullet.group("star") or bullet.group("word"))
        style = style.replace("–", "-")
    end = numbered.end() if numbered else bullet.end()
    return _Marker(end=end, style=style or "", number=number)


def _number_class(token: str) -> str:
    if token.isdigit():
        return "num"
    if len(token) > 1:
        return "roman"
    return "lower" if token.islower() else "upper"


@dataclass(frozen=True)
class _Section:
    kind: str | None  # None when the heading names both sections
    heading: str | None  # the heading's own words when it has more than the section's name
    rest: str  # criterion words after the heading's colon


def _section_heading(text: str, marked: bool) -> _Section | None:
    """A heading naming the inclusion or exclusion section, with any criterion that follows its colon."""
    colon = _COLON.search(text)
    if colon:
        head, rest = text[: colon.start()], text[colon.end():].strip()
    else:
        head, rest = text, ""
    head = _undecorate(head)
    words = _words(head)
    if not words or len(words) > 20 or (marked and _has_content(rest)):
        return None
    phrases = list(_SECTION_PHRASE.finditer(head))
    if not phrases and colon and len(words) <= 2 and rest:  # "Criteria: Inclusion Criteria:"
        return _section_heading(rest, marked)
    if not phrases or len(_words(head[: phrases[0].start()])) > 6:
        return None
    if not colon and not _bare_section_heading(head, words, phrases):
        return None
    kinds = {EXCLUSION if p.group("excl") else INCLUSION for p in phrases}
    kind = kinds.pop() if len(kinds) == 1 else None
    own_words = [w for w in re.findall(r"[^\W_]+", head.lower()) if w not in _SECTION_FILLER]
    heading = _collapse(head) if own_words else None
    return _Section(kind=kind, heading=heading, rest=rest if _has_content(rest) else "")


def _bare_section_heading(head: str, words: list[str], phrases: list[re.Match[str]]) -> bool:
    """A heading without a colon: "INCLUSION CRITERIA", "Inclusion criteria -", "Inclusion criteria for families"."""
    if len(words) > 8:
        return False
    before = re.findall(r"[^\W_]+(?:'[^\W_]+)?", head[: phrases[0].start()].lower())
    if any(w in _NOT_A_HEADING for w in before):  # "No exclusion criteria", "Does not meet inclusion criteria"
        return False
    if phrases[-1].end() >= len(head.rstrip(" .-–")):
        return len(words) <= 3 or bool(re.search(r"criteri|inclusions?$|exclusions?$", head, re.IGNORECASE))
    return (phrases[0].start() == 0 and "criteri" in phrases[0].group(0).lower() and len(words) <= 6
            and not re.search(r"[\d.;]", head))


def _intro_heading(text: str) -> _Section | None:
    """A sentence that opens a section: "Patients with any of the following will be excluded"."""
    colon = _COLON.search(text)
    if colon and _has_content(text[colon.end():]):
        return None
    if len(_words(text)) > 25 or not _INTRO_END.search(text) or re.search(r"\d", text):
        return None
    if _INTRO_EXCLUSION.search(text):
        return _Section(kind=EXCLUSION, heading=None, rest="")
    if _INTRO_INCLUSION.search(text):
        return _Section(kind=INCLUSION, heading=None, rest="")
    return None


def _is_label(text: str, need_colon: bool = True, limit: int = _LABEL_WORDS) -> bool:
    """A short sub-heading with no criterion of its own ("Major criteria:", "Bleeding Risk:")."""
    body = _undecorate(text)
    if _COLON.search(body[-1:] or ""):
        body = body[:-1]
    elif need_colon and not _DECORATED.match(text):
        return False
    if _COLON.search(body) or re.search(r"[\d<>=≤≥%;.]", body):
        return False
    words = re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", body.lower())
    return 0 < len(words) <= limit and not any(w in _LABEL_STOP for w in words)


def _cue_kind(text: str) -> str:
    """The kind a line outside any section states in its own words, else unknown."""
    exclusion = _EXCLUSION_CUES.search(text)
    inclusion = _INCLUSION_CUES.search(_EXCLUSION_CUES.sub(" ", text))
    if exclusion and not inclusion:
        return EXCLUSION
    if inclusion and not exclusion:
        return INCLUSION
    return UNKNOWN


def _sentences(text: str) -> list[str]:
    """Prose cut at full stops that end a sentence, not at "e.g.", "Dr.", "U.S." or "1.5"."""
    pieces: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        before = text[start: end.start() + 1]
        token = re.search(r"([A-Za-z][A-Za-z.]*)\.$", before.rstrip("\"'’”)]"))
        if token:
            word = token.group(1).lower()
            if word in _ABBREVIATIONS or "." in word:
                continue
            if word == "no" and text[end.end(): end.end() + 1].isdigit():
                continue
        pieces.append(text[start: end.end()].strip())
        start = end.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _balance(text: str) -> int:
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


@dataclass
class _Record:
    parts: list[str]
    number: str | None
    parent: int | None
    heading: str | None
    kind: str | None  # the section's kind when the line was read; None: let the words decide
    label: bool = False  # a sub-heading, kept as a line only when nothing sits under it
    under: int = 0  # lines under this sub-heading


@dataclass
class _Frame:
    indent: int
    style: str  # list style; "" for an unmarked paragraph or sub-heading
    record: int
    label: str | None  # the sub-heading's words when this frame is one
    opens: bool  # ends with ':', "the following", "defined by"...: what comes next belongs under it
    marked: bool
    children: int = 0
    last_child: str = ""  # "para" or "list"


@dataclass
class _Line:
    indent: int
    text: str  # raw, escapes kept
    blank: bool = False


@dataclass
class _Splitter:
    prose: bool
    records: list[_Record] = field(default_factory=list)
    stack: list[_Frame] = field(default_factory=list)
    section: str | None = None
    section_heading: str | None = None
    last: _Frame | None = None  # the item or paragraph the previous physical line belonged to
    last_length: int = 0
    connector: str | None = None
    open_prose: int | None = None  # the prose paragraph not yet cut into sentences

    def feed(self, lines: list[_Line]) -> None:
        after_blank = True
        following: list[_Line | None] = [None] * len(lines)
        upcoming: _Line | None = None
        for position in range(len(lines) - 1, -1, -1):
            following[position] = upcoming
            if not lines[position].blank:
                upcoming = lines[position]
        for position, line in enumerate(lines):
            if line.blank:
                after_blank = True
                continue
            self._line(line, after_blank, following[position])
            after_blank = False
            self.last_length = len(line.text)
        self._close_prose()
        self._flush_connector()

    def _line(self, line: _Line, after_blank: bool, following: _Line | None) -> None:
        marker = _marker(line.text)
        body = _collapse(_unescape(line.text[marker.end:] if marker else line.text))
        if not _has_content(body):
            return
        if _CONNECTOR.match(body):
            self.connector = f"{self.connector} {body}" if self.connector else body
            self.last = None
            return
        section = _section_heading(body, marked=marker is not None)
        if section is None and marker is None:
            section = _intro_heading(body)
        if section is None:
            self._content(line.indent, marker, body, after_blank, following)
            return
        self._start_section(section)
        if section.rest:
            rest_marker = _marker(section.rest)
            rest = _collapse(section.rest[rest_marker.end:]) if rest_marker else section.rest
            self._content(line.indent, rest_marker, rest, True, following)

    def _start_section(self, section: _Section) -> None:
        self._close_prose()
        self._flush_connector()
        self.section = section.kind
        self.section_heading = section.heading
        self.stack.clear()
        self.last = None

    def _content(self, indent: int, marker: _Marker | None, body: str, after_blank: bool,
                 following: _Line | None) -> None:
        if marker is not None:
            self._item(indent, marker, body)
        else:
            self._paragraph(indent, body, after_blank, following)

    # Marked items

    def _item(self, indent: int, marker: _Marker, body: str) -> None:
        style = self._resolve_style(indent, marker)
        self._pop_for_item(indent, style)
        label = marker.number is None and _is_label(body, limit=_LABEL_WORDS_MARKED)
        self._push(indent, style, body, marked=True, child_kind="list", label=label, number=marker.number)

    def _resolve_style(self, indent: int, marker: _Marker) -> str:
        """Single i, v or x is a letter in a lettered list that has reached h, u or w, else a roman numeral."""
        number = marker.number
        lettered = marker.style.startswith(("lower", "upper", "(lower", "(upper"))
        if not lettered or not number or len(number) != 1 or number.lower() not in "ivx":
            return marker.style
        previous = {"i": "h", "v": "u", "x": "w"}[number.lower()]
        for frame in reversed(self.stack):
            if frame.marked and frame.indent == indent:
                if (self.records[frame.record].number or "").lower() == previous:
                    return marker.style
                break
        return marker.style.replace("lower", "roman").replace("upper", "roman")

    def _pop_for_item(self, indent: int, style: str) -> None:
        """Leave on the stack only the frames a new item at this indent and style sits under."""
        while self.stack:
            top = self.stack[-1]
            if top.indent > indent:
                self.stack.pop()
                continue
            if not top.marked:
                if top.opens:
                    return
                self.stack.pop()
                continue
            if top.indent < indent:
                return
            if top.style == style:
                self.stack.pop()
                return
            if any(f.marked and f.indent == indent and f.style == style for f in self.stack[:-1]):
                self.stack.pop()
                continue
            if top.opens and top.children == 0:
                return
            self.stack.pop()
            return

    # Unmarked lines

    def _paragraph(self, indent: int, body: str, after_blank: bool, following: _Line | None) -> None:
        last = self.last
        if last is not None and not after_blank and self._continues(last, indent, body):
            self._join(last, body)
            return
        if (last is not None and after_blank and last.marked and last.label is None and indent > last.indent
                and last.children == 0 and not last.opens):
            self._join(last, body)
            return
        self._close_prose()
        owner = None
        if last is not None and last.opens and indent >= last.indent and last in self.stack:
            owner = last
        if owner is None:
            owner = self._indented_owner(indent)
        label = _is_label(body) or (following is not None and self._label_before_list(indent, body, following))
        if owner is not None:
            while self.stack[-1] is not owner:
                self.stack.pop()
        else:
            self._pop_for_paragraph(indent, label)
        self._push(indent, "", body, marked=False, child_kind="para", label=label)
        if self.prose and not label:
            self.open_prose = len(self.records) - 1

    def _continues(self, last: _Frame, indent: int, body: str) -> bool:
        """Whether an unmarked line directly under another is that line hard-wrapped."""
        if last.label is not None:
            return False
        text = " ".join(self.records[last.record].parts)
        if _balance(text) > 0:
            return True
        if last.opens:
            return False
        if last.marked and indent > last.indent:
            return True
        if last.marked and indent < last.indent:
            return False
        final = text.rsplit(None, 1)[-1].lower()
        joining = final in _JOINING_WORDS or text.endswith((",", "-", "/", "&", "+"))
        lower_start = body[:1].islower() or body[:1].isdigit()
        ended = text.endswith((".", ";", "!", "?"))
        return joining or (lower_start and self.last_length >= _WRAP_WIDTH and not ended)

    def _indented_owner(self, indent: int) -> _Frame | None:
        """The innermost item an indented paragraph sits inside (markdown's continuation paragraph)."""
        for frame in reversed(self.stack):
            if frame.marked and frame.indent < indent:
                return frame
        return None

    def _pop_for_paragraph(self, indent: int, label: bool) -> None:
        """Close the lists an unindented paragraph ends; a sub-heading also ends the sub-heading before it."""
        while self.stack:
            top = self.stack[-1]
            sibling_label = label and top.label is not None and top.indent >= indent
            if (not top.marked and top.opens and top.indent <= indent and top.last_child in ("", "para")
                    and not sibling_label):
                return
            self.stack.pop()

    @staticmethod
    def _label_before_list(indent: int, body: str, following: _Line) -> bool:
        """A short colon-less line ("Control group") followed by an indented list is a sub-heading."""
        return (following.indent > indent and _marker(following.text) is not None and len(_words(body)) <= 4
                and _is_label(body, need_colon=False))

    # Records and frames

    def _push(self, indent: int, style: str, body: str, marked: bool, child_kind: str, label: bool,
              number: str | None = None) -> None:
        parent = next((f.record for f in reversed(self.stack) if f.label is None), None)
        heading = self.section_heading
        for frame in self.stack:
            if frame.label is not None:
                self.records[frame.record].under += 1
                heading = frame.label
        if self.stack:
            self.stack[-1].children += 1
            self.stack[-1].last_child = child_kind
        parts = [body]
        if self.connector:
            parts.insert(0, self.connector)
            self.connector = None
        self.records.append(_Record(parts=parts, number=number, parent=parent, heading=heading, kind=self.section,
                                    label=label))
        frame = _Frame(indent=indent, style=style, record=len(self.records) - 1,
                       label=_collapse(_undecorate(body).rstrip(":：")) if label else None,
                       opens=label or bool(_OPENS.search(body)), marked=marked)
        self.stack.append(frame)
        self.last = frame

    def _join(self, frame: _Frame, body: str) -> None:
        self.records[frame.record].parts.append(body)
        frame.opens = bool(_OPENS.search(body))

    def _flush_connector(self) -> None:
        if self.connector and self.records:
            self.records[-1].parts.append(self.connector)
            self.connector = None

    def _close_prose(self) -> None:
        """In prose, cut the paragraph just finished into sentences, each its own line."""
        if self.open_prose is None:
            return
        record = self.records.pop(self.open_prose)
        if self.stack and self.stack[-1].record == self.open_prose:
            self.stack.pop()
        self.open_prose = None
        self.last = None
        kind, heading = record.kind, record.heading
        for sentence in _sentences(" ".join(record.parts)):
            section = _section_heading(sentence, marked=False)
            if section is not None:
                self.section, self.section_heading = section.kind, section.heading
                self.stack.clear()
                kind, heading, sentence = section.kind, section.heading, section.rest
            if sentence:
                self.records.append(_Record(parts=[sentence], number=None, parent=None, heading=heading, kind=kind))


def _wrapped_heading(line: str, following: str) -> bool:
    """Whether an unmarked line goes on into the next: an open bracket, or a heading whose colon is on the next line
    ("... if one or more of the following criteria" / "applies:")."""
    if not following or _marker(line) is not None or _marker(following) is not None:
        return False
    if line.endswith((".", ";", ":", "：")) or _section_heading(following, marked=False) is not None:
        return False
    if _balance(line) > 0:
        return True
    return following[:1].islower() and len(_words(following)) <= 4 and following.endswith((":", "：")) and (
        _section_heading(line, marked=False) is not None or _intro_heading(line) is not None)


def _logical_lines(text: str) -> list[_Line]:
    """Physical lines with their indent; a heading or line wrapped before its end takes the lines that end it."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4).split("\n")
    lines: list[_Line] = []
    position = 0
    while position < len(raw):
        current = raw[position]
        position += 1
        stripped = current.strip()
        if not stripped:
            lines.append(_Line(0, "", blank=True))
            continue
        joined = 0
        while joined < 3 and position < len(raw) and _wrapped_heading(stripped, raw[position].strip()):
            stripped = f"{stripped} {raw[position].strip()}"
            position += 1
            joined += 1
        lines.append(_Line(len(current) - len(current.lstrip()), stripped))
    return lines


def _finish(records: list[_Record]) -> list[CriterionLine]:
    """Drop empty items and sub-headings that have lines under them, renumbering parents."""
    kept: dict[int, int] = {}
    result: list[CriterionLine] = []
    for index, record in enumerate(records):
        text = _collapse(" ".join(record.parts))
        if (record.label and record.under > 0) or not _has_content(text):
            continue
        parent = record.parent
        while parent is not None and parent not in kept:
            parent = records[parent].parent
        kept[index] = len(result)
        kind = record.kind or _cue_kind(text)
        if kind == UNKNOWN and parent is not None:  # a sub-item outside any section is part of its parent
            kind = result[kept[parent]].kind
        result.append(CriterionLine(kind=kind, text=text, number=record.number,
                                    parent=kept[parent] if parent is not None else None, heading=record.heading))
    return result


# The legacy PDQ layout's sub-headings. Some records run them together on one line ("PATIENT CHARACTERISTICS: Age:
# 18 and over Performance status: ECOG 0-2 Hematopoietic: ..."); each starts a line of its own there.
_PDQ_LABEL = re.compile(
    r"(?<=\S)\s+(?=(?:DISEASE CHARACTERISTICS|PATIENT CHARACTERISTICS|PRIOR CONCURRENT THERAPY|Age|Sex|"
    r"Menopausal status|Performance [Ss]tatus|Life [Ee]xpectancy|Hematopoietic|Hepatic|Renal|Cardiovascular|"
    r"Pulmonary|Neurologic|Gastrointestinal|Immunologic|Other|Biologic therapy|Chemotherapy|Endocrine therapy|"
    r"Radiotherapy|Surgery)\s*:)")


# Inside such a run-in line, each requirement starts with a capital after a word that ends the one before
# ("... at least 1,500/mm3 Platelet count at least 100,000/mm3", "No active infection Not pregnant or nursing").
_PDQ_ITEM = re.compile(
    r"(?<=[a-z0-9%)\]])\s+(?=(?:No|Not|At least|More than|Less than|Greater than|Fertile|Negative|Absolute|Platelet|"
    r"Platelets|WBC|Hemoglobin|Hematocrit|Granulocyte|Neutrophil|Bilirubin|AST|ALT|SGOT|SGPT|Alkaline|Creatinine|"
    r"Transaminases|Prior|Concurrent|Recovered|HIV|Karnofsky|ECOG|Zubrod|Lansky|Must|Adequate|Normal|Effective)\b"
    r"(?!\s*[:(]))")


def _unfold_run_in_labels(text: str) -> str:
    """Break a line holding two or more PDQ sub-headings before each of them, and each sub-heading's run of
    requirements before each requirement."""
    out = []
    for line in text.split("\n"):
        labels = len(_PDQ_LABEL.findall(line))
        if labels >= 2 or (labels == 1 and re.match(r"^\s*[A-Z ]{8,}:", line)):
            line = "\n\n".join(_PDQ_ITEM.sub("\n\n", part) for part in _PDQ_LABEL.sub("\n\n", line).split("\n\n"))
        out.append(line)
    return "\n".join(out)


def split_criteria(text: str) -> list[CriterionLine]:
    """The criterion lines of an eligibility-criteria text, in the register's order."""
    lines = _logical_lines(_unfold_run_in_labels(text or ""))
    prose = not any(_marker(line.text) for line in lines if not line.blank)
    splitter = _Splitter(prose=prose)
    splitter.feed(lines)
    return _finish(splitter.records)
