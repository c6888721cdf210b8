"""One eligibility line of a register record → a rule in the trial-file language, or why it stays manual.

The parser never guesses. It recognises a few kinds of statement ("atoms") it can read with
confidence: an age bound, a lab value with comparison and unit, pregnancy or breastfeeding, a
diagnosis in the vocabulary, a named medicine or class with its time frame. A line it cannot read
whole stays manual, with the reason; a line it reads only in part gets a rule for that part and the
rest in `also_check`, marked so that it can never rule a person out:

- an exclusion part is `partial: necessary` (met → "may exclude", for the study team);
- an inclusion part is `partial: sufficient` (not met → "may not meet", for the study team).

Whichever the true relation between the part and the line, these two choices only ever leave a line
open where the other would have decided it (DESIGN: partial rules decide only in the direction that
allows).
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from spacy.tokens import Doc, Span

from bot.criteria import RuleError, parse_rule
from bot.facts import FACTS, ValueRefused
from bot.nlp.pipeline import analyse
from bot.units import convert, known_unit, parse_number
from bot.vocab import vocabulary

_OP_WORDS = (
    ("greater than or equal to", ">="), ("more than or equal to", ">="), ("less than or equal to", "<="),
    ("equal to or older than", ">="), ("equal or older than", ">="), ("equal to or younger than", "<="),
    ("equal or younger than", "<="), ("equal to or above", ">="), ("equal or above", ">="),
    ("equal to or below", "<="), ("equal or below", "<="), ("equal or greater than", ">="),
    ("equal or more than", ">="), ("equal or higher than", ">="),
    ("equal or less than", "<="), ("equal or lower than", "<="), ("more or equal to", ">="), ("less or equal to", "<="),
    ("more or equal", ">="), ("less or equal", "<="), ("greater or equal to", ">="), ("greater or equal", ">="),
    ("equal to or greater than", ">="), ("equal to or more than", ">="), ("equal to or less than", "<="),
    ("no greater than", "<="), ("not greater than", "<="), ("no higher than", "<="), ("not higher than", "<="),
    ("no lower than", ">="), ("not lower than", ">="), ("= or <", "<="), ("= or >", ">="),
    ("no older than", "<="), ("not older than", "<="), ("no younger than", ">="), ("not younger than", ">="),
    ("> or =", ">="), ("< or =", "<="), ("no more than", "<="), ("not more than", "<="), ("no less than", ">="),
    ("not less than", ">="),
    ("not exceeding", "<="), ("at least", ">="), ("at most", "<="), ("a minimum of", ">="),
    ("a maximum of", "<="), ("minimum of", ">="), ("maximum of", "<="), ("greater than", ">"),
    ("more than", ">"), ("higher than", ">"), ("above", ">"), ("over", ">"), ("exceeding", ">"), ("in excess of", ">"),
    ("older than", ">"), ("younger than", "<"), ("longer than", ">"), ("shorter than", "<"), ("larger than", ">"),
    ("bigger than", ">"), ("smaller than", "<"), ("less than", "<"), ("lower than", "<"), ("fewer than", "<"),
    ("below", "<"), ("under", "<"),
    ("≥", ">="), (">=", ">="), ("=>", ">="), ("≤", "<="), ("<=", "<="), ("=<", "<="), (">", ">"), ("<", "<"),
)
_OP = "|".join(re.escape(w) for w, _ in _OP_WORDS)
_OPS = dict(_OP_WORDS)
_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)"
# Comparison right after a lab term: "platelets < 100 x 10^9/L", "ANC of at least 1,500/mm3".
_COMPARISON = re.compile(
    r"^\s*[\])]?\s*(?:[(\[][^)\]]{1,40}[)\]]\s*)?(?:count|level|levels|value|concentration|of|is|:|must be|should be|"
    r"performance|status|score|ps|\s)*\s*"
    r"(" + _OP + r")\s*(?:to\s+)?" + _NUM + r"(?![\d.,])(?!\s*(?:th|st|nd|rd)\b|\s*percentile)\s*", re.I)
# A second bound right after the first: "BMI > 18 and < 30 kg/m2", "BMI < 20 or > 35 kg/m2".
_SECOND_BOUND = re.compile(r"^\s*(and|or|,|but)\s*(" + _OP + r")\s*" + _NUM + r"(?![\d.,])\s*", re.I)
_SCORE_UNIT = re.compile(r"^\s*(?:%|kg\s*/\s*m\s*(?:2|²|\^2))", re.I)
_TIMES_ULN = re.compile(r"^\s*(?:(?:x|×|\*|times)?\s*(?:the\s+)?(?:institutional\s+|local\s+)?(?:uln|upper limits? of "
                        r"(?:the\s+)?normal(?:\s+range)?)(?:\s*\(uln\))?|(?:x|×|\*|times)\s*(?:the\s+)?"
                        r"(?:institutional\s+)?(?:upper\s+)?normal\b(?!\s*(?:range\s+)?(?:lower|low))"
                        r"(?:\s+(?:limits?|values?|levels?))?)", re.I)
_UNIT_TEXT = re.compile(r"^(ml\s*(?:/|per)\s*min(?:ute)?(?:\s*(?:/|per)\s*1[.,]73\s*(?:m2|m²|m\^2|sqm|m))?"
                        r"|[×x*]\s*10\s*(?:\^|\*|e)\s*\d+\s*/\s*[lL]|[A-Za-zµμ/%^*0-9³]+(?:\s*/\s*[A-Za-zµμ0-9³]+)?)",
                        re.I)
# A range after a lab or score term: "BMI between 18.5 and 30 kg/m2", "creatinine clearance 30-60 mL/min".
_LAB_RANGE = re.compile(r"^\s*[\])]?\s*(?:[(\[][^)\]]{1,40}[)\]]\s*)?(?:count|level|levels|value|score|status|"
                        r"performance|ps|of|is|:|must be|should be|"
                        r"\s)*\s*(?:between|from|(?:within|in)\s+the\s+range\s+of|within|in the range(?: of)?)?\s*"
                        + _NUM + r"\s*(?:-|–|~|to|and)\s*"
                        + _NUM + r"\b\s*", re.I)
# Ages: "aged 18 years or older", "≥ 18 years", "between 18 and 65 years", "18-75 years", "under 18".
_AGE_UNIT = r"(years?|yrs?|y\.?o\b\.?|months?|weeks?|days?|hours?)\b"
# The words for people a line's age bound may belong to ("patients 18-65 years", "women between 18 and 45").
_PEOPLE = (r"patients?|subjects?|participants?|children|child|adults?|men|women|males?|females?|boys?|girls?|"
           r"infants?|adolescents?|volunteers?|persons?|people|individuals?")
_AGE_CONTEXT = re.compile(r"\b(age|aged|ages|old|older|younger|year-old|years-old|paediatric|pediatric|"
                          + _PEOPLE + r")\b", re.I)
# Ages that are not the person's age limit: another kind of age, or an age that only selects a sub-group
# ("a score of 5 for women up to the age of 50").
_NOT_AN_AGE_LIMIT = re.compile(r"\b(gestational|gestation|post-?menstrual|corrected|bone|mental)\s+age\b|"
                               r"\badjusted (?:to|for) age\b|\bage[- ]adjusted\b|"
                               r"\b(?:for|if|when|in)\s+(?:\w+\s+){0,3}(?:up to|over|above|under|below|aged|older|"
                               r"younger|the age)\b(?!\s*range)", re.I)
# A span of time, not an age: "more than 5 years ago", "under 6 months since diagnosis".
_NOT_AGE = r"(?!\s*(?:ago|before|prior|after|since|following|from|post|of (?:treatment|therapy|diagnosis|follow)))"
_AGE_RANGE = re.compile(r"(?:between\s+|from\s+)?(\d{1,3})\s*(?:y(?:ea)?rs?\.?\s*(?:old\s*|of age\s*)?)?"
                        r"(?:-|–|~|to|and)\s*(\d{1,3})\s*" + _AGE_UNIT
                        + _NOT_AGE + r"(?:\s*(?:of age|old)|-old)?", re.I)
_AGE_OP_BEFORE = re.compile(r"(" + _OP + r")\s*(?:(?:the\s+)?age\s+of\s+)?(\d{1,3})\s*" + _AGE_UNIT + _NOT_AGE
                            + r"(?:\s*(?:of age|old)|-old)?",
                            re.I)
_AGE_OP_AFTER = re.compile(r"(\d{1,3})\s*" + _AGE_UNIT + r"\s*(?:of age|old)?\s*(?:or|and)\s*"
                           r"(older|above|over|more|younger|under|less)\b(?!\s*than)", re.I)
# "aged 18-65", "age 12 to 74": a range right after the word age is in years when no unit follows.
_AGE_RANGE_BARE = re.compile(r"\bage[ds]?\s*[:：]?\s*(?:of\s+|range\s+(?:of\s+)?)?(?:between|from)?\s*(\d{1,3})\s*"
                             r"(?:-|–|~|to|and)\s*"
                             r"(\d{1,3})\b"
                             r"(?!\s*(?:%|kg|mg|cm|g\b|mm|months?|weeks?|days?|years?|yrs?|\.\d))", re.I)
# The legacy PDQ layout: "Age: 18 and over", "Age: 3 to 21", "18 and under" (years when no unit is written).
_AGE_BARE = re.compile(r"^age\s*[:：-]?\s*(\d{1,3})\s*(?:(and|or)\s*(over|older|above|under|younger|below)|"
                       r"(?:to|-|–)\s*(\d{1,3}))\s*(years?|yrs?|months?)?\W*$", re.I)
# An age bound belongs to the person only next to an age word or a person: "aged 18 to 65", "children > 5 years",
# "18 years of age or older"; not "wound more than 6 months old" or "life expectancy of at least 2 weeks".
_AGE_BEFORE = re.compile(r"\bage[ds]?\b[^.;:\d]{0,20}$|\b(?:" + _PEOPLE + r")\b(?:\W*\b(?:and|or|both|sexes|genders?|"
                         r"male|female|men|women|who|are|is|be|must|between|from|of|healthy)\b)*\W*$", re.I)
# "Age ≥ 18", "aged over 65", "ages of 18 and above": right after the word age, a bare number is in years.
_NOT_YEARS = r"(?!\s*(?:[.,]\d|%|kg|mg|cm|mm|g\b|months?|weeks?|days?|years?|yrs?|hours?))"
_AGE_OP_BARE = re.compile(r"\bage[ds]?\s*(?:of\s+|is\s+|[:：]\s*)?(" + _OP + r")\s*(\d{1,3})\b" + _NOT_YEARS
                          + r"(?:\s*(?:and|,)\s*(" + _OP + r")\s*(\d{1,3})\b" + _NOT_YEARS + ")?", re.I)
# "Age 18+", "20-70 age", "over 18 and under 75 years of age", "≥1 and ≤6 month old".
_AGE_PLUS = re.compile(r"\bage[ds]?\s*[:：]?\s*(\d{1,3})\s*\+", re.I)
_AGE_RANGE_BEFORE_WORD = re.compile(r"\b(\d{1,3})\s*(?:-|–|~|to)\s*(\d{1,3})\s+(?:years?\s+)?(?:of\s+)?age\b", re.I)
_AGE_TWO_OPS = re.compile(r"(" + _OP + r")\s*(\d{1,3})\s*(?:years?\s*)?(?:and|,|to|but)\s*(" + _OP + r")\s*(\d{1,3})\s*"
                          + _AGE_UNIT + _NOT_AGE + r"(?:\s*(?:of age|old)|-old)?", re.I)
_AGE_AND_OVER_BARE = re.compile(r"\bage[ds]?\s*(?:of\s+|is\s+|[:：]\s*)?(\d{1,3})\s*(?:and|or)\s*"
                                r"(above|over|older|under|younger|below)\b(?!\s*than)", re.I)
_AGE_ANY = re.compile(r"(?:" + _OP + r")?\s*\d{1,3}\s*(?:(?:-|–|to|and)\s*\d{1,3}\s*)?" + _AGE_UNIT
                      + r"(?:\s*(?:and|or)\s*(?:older|above|over|younger|under|more|less))?", re.I)
# What may stand around an age bound in a line that is only about age: "1.", "-", "male or female", "adults".
_AGE_LINE_REST = re.compile(r"^(?:[\W\d]|\b(?:" + _PEOPLE + r"|male|female|and|or|both|sexes|genders?|are|is|be|must|"
                            r"they|who|will|included|eligible|of|age|aged|ages|old|the|from|between|to|range|in|"
                            r"inclusive|within|at|time|screening|enrolment|enrollment|entry)\b)*$", re.I)
# Things whose age or duration a line gives: "a diagnosis older than 12 months", "pregnant women 34 weeks or less".
_SOMETHING_ELSE_AGED = re.compile(r"\b(?:diagnos\w*|disease|wound|lesion|ulcer|injur\w*|fracture|scar|event|infarction|"
                                  r"stroke|surgery|operation|symptoms?|episode|tattoo|implant|device|pregnan\w*|"
                                  r"gestation\w*|amenorrh\w*|onset|transplant\w*|procedure|treatment|therapy|"
                                  r"illness|infection|condition)\b(?:\W+\w+){0,3}?\W*$", re.I)
# A second bound right after an age ("under 18 years or over 70 years").
_AFTER_AN_AGE = re.compile(r"\b(?:years?|yrs?|months?)\s*(?:of age|old)?\s*(?:or|and|,)\s*$", re.I)
# "Minimum age: 18 years", "Maximum age 65 years".
_AGE_MIN_MAX = re.compile(r"\b(minimum|maximum|min|max)\.?\s+age\s*[:：]?\s*(\d{1,3})\s*" + _AGE_UNIT, re.I)
_AGE_AFTER = re.compile(r"^\s*(?:of age|years?[- ]old|yrs?[- ]old|y/o|of age or)", re.I)
# An inclusion that asks the person not to be pregnant or breastfeeding: "Not pregnant or nursing".
_NOT_PREGNANT_LINE = re.compile(r"^(?:must\s+)?(?:be\s+)?(?:not|no)\s+(?:be\s+)?pregnan(?:t|cy)"
                                r"(?:\s*(?:or|,|and|/)\s*(?:nursing|lactating|breast[- ]?feeding))?\W*$", re.I)
# An inclusion that is a negated requirement, with nothing else negated or excepted in it: "No prior JAK inhibitor".
# An exception ("No prior malignancy except basal cell carcinoma") turns round with the rest: the exclusion it
# becomes keeps the exception out of its rule.
_NEGATED_REQUIREMENT = re.compile(r"^(?:no|without|absence of|free of|never)\s+(?!.*\b(?:no|not|without|but|however|"
                                  r"n't)\b)(.+)$", re.I)
# Words before a disease name that make the line about something else than having it.
_NOT_HAVING = re.compile(r"(?:\banti-?\s*$|\b(?:test(?:ing|ed|s)?|screen(?:ing|ed)?|serolog\w*|vaccin\w*|immuni[sz]\w*)"
                         r"\b[^.;]*$)", re.I)
_OTHER_TRIAL = re.compile(r"\b(?:clinical trials?|clinical stud(?:y|ies)|investigational|study drugs?|"
                          r"study medications?|sponsored|enrolled in)\b|"
                          r"\b(?:participat\w*|enrol\w*|took part|taking part)\b[^.;]{0,40}"
                          r"\b(?:study|studies|trials?)\b", re.I)
# A line that says what is allowed or advised, not what is required: "should be encouraged to switch".
_NOT_A_REQUIREMENT = re.compile(r"\b(?:should be encouraged|are encouraged|will be allowed|(?:is|are) allowed|"
                                r"(?:is|are) permitted|(?:is|are) permissible|may continue|may be included|"
                                r"at the discretion of)\b|"
                                r"^(?:allowed|permitted|recommended)\b|\bwill not be excluded\b|"
                                r"\bno (?:one|subjects?|patients?|participants?|persons?|individuals?) "
                                r"will be excluded\b",
                                re.I)
# A line that leaves the decision to someone's judgement ("in the opinion of the investigator", "as judged by the
# treating physician"): whatever facts it names, what it requires is that judgement.
_JUDGEMENT = re.compile(r"\bin (?:the |his |her |their )?(?:\w+ )?(?:opinion|judge?ment|view) of\b|"
                        r"\b(?:investigator|physician|doctor|clinician)(?:'s|s'|s| s)? (?:opinion|judge?ment|view)\b|"
                        r"\b(?:judged|determined|assessed|deemed|considered) by (?:the |a |an )?(?:[\w-]+ ){0,2}"
                        r"(?:investigators?|physicians?|doctors?|clinicians?|team)\b|"
                        r"\b(?:investigators?|physicians?|doctors?|clinicians?|(?:clinical|study|medical) team) "
                        r"(?:believes?|feels?|judges?|considers?|thinks?|suspects?)\b", re.I)
# A line that asks for agreement or a wish ("Must agree to have regular clinic visits (... asthma)", "Interested in
# taking varenicline"): what it names is what the person would agree to, not a fact about them.
_AGREEMENT_LINE = re.compile(r"^\W*(?:\d+\W+)?(?:(?:must|should)\s+)?(?:be\s+)?(?:agrees?|willing|interested|"
                             r"able and willing|willing and able)\s+(?:to|in)\b", re.I)
# A line about consent itself ("Signed informed consent prior to surgery"): the medicines or operations it names
# are what the consent is for.
_CONSENT_LINE = re.compile(r"^\W*(?:\d+\W+)?(?:(?:signed|written|obtained|dated|voluntary)\s+)*(?:informed\s+)?"
                           r"consent\b", re.I)
# A note or a reason the line adds after its requirement ("Hemoglobin > 9 g/dL (Note: patients may be transfused
# ...)", "HBV or HCV infected (these increase the risk of ...)", "... because carbetocin is licensed for ..."):
# the medicines and conditions it names are not what the line requires.
_NOTE = re.compile(r"[(\[]?\s*\b(?:note|n\.?b\.?)\s*[:：]|\bbecause\b|[(\[]\s*(?:to avoid|these (?:increase|may))\b|"
                   r"\b(?:to mitigate|in order to)\b", re.I)
# Lines that stay manual whatever facts they name, with why (birth control is still read in an agreement line:
# willingness to use it is a fact the conversation asks).
_STAYS_MANUAL = (
    (_NOT_A_REQUIREMENT, "the line says what is allowed or advised, not what is required"),
    (_CONSENT_LINE, "the line is about consent, which the study team obtains"),
    (_AGREEMENT_LINE, "the line asks for the person's agreement or wish, which the study team records"),
    (_JUDGEMENT, "the line leaves the decision to the judgement of the investigator or physician"),
)
_NOT_SPECIFIED = re.compile(r"^(?:[\w /-]{1,40}[:：]\s*)?not specified\W*$", re.I)
_PREGNANT = re.compile(r"\bpregnan(?:t|cy)\b", re.I)
_BREASTFEEDING = re.compile(r"\b(?:breast[- ]?feeding|lactating|lactation|nursing(?= (?:mothers?|women|females|"
                            r"patients|subjects))|(?<=or )nursing)\b", re.I)
# Words before "pregnancy" that make it something else than being pregnant now ("avoidance of pregnancy").
_NOT_PREGNANT_NOW = re.compile(r"\b(avoid\w*|prevent\w*|risk|potential|test\w*|becom\w*|intend\w*|intention|plan\w*|"
                               r"contracept\w*|childbearing|child-bearing|complet\w*|previous|prior|history|after|"
                               r"termination|outcome|during|through|until)\W+(?:\w+\W+){0,2}$", re.I)
_NOT_PREGNANT_ANY = re.compile(r"\b(?:(?:must|should|may|can|will)\s+not|cannot|not)\s+be\s+pregnant"
                               r"(?:\s*(?:or|nor|and|,|/)\s*(?:nursing|lactating|breast[- ]?feeding))?\b|"
                               r"\bnon-?pregnant(?:\s*(?:or|and|,|/)\s*"
                               r"non-?(?:nursing|lactating|breast[- ]?feeding))?\b",
                               re.I)
_NEGATIVE_TEST = re.compile(r"\bnegative\s+(?:serum\s+|urine\s+|blood\s+|β-?hcg\s+|b-?hcg\s+)?pregnancy\s+test\b",
                            re.I)
_TIME_UNIT = r"(hours?|hrs?|h|days?|weeks?|wks?|months?|years?|half[- ]lives|half[- ]life)"
_WINDOW = re.compile(r"\b(?:within|in|during)\s+(?:the\s+)?(?:last|past|previous|preceding|prior)?\s*" + _NUM
                     + r"\s*" + _TIME_UNIT + r"\b|\b" + _NUM + r"\s*" + _TIME_UNIT
                     + r"\s+(?:before|prior to|preceding|of)\b", re.I)
# A medicine named for something else than its use: allergy, contraindication, abuse, resistance.
_NOT_TAKING = re.compile(r"\b(?:allerg\w*|hypersensitiv\w*|intoleran\w*|contraindicat\w*|sensitivity to|"
                         r"abuse|misuse|dependen\w*|addict\w*|overdose|poisoning|resistan\w*|refractory)\b", re.I)
# "At least 4 weeks since prior chemotherapy" (none within the window), "less than 2 weeks since the last dose".
_SINCE = re.compile(r"\b(at least|more than|over|a minimum of|minimum of|>=|>|less than|fewer than|under|within|<=|"
                    r"<)\s*"
                    + _NUM + r"\s*" + _TIME_UNIT + r"\s+(?:have\s+)?(?:elapsed\s+|passed\s+)?(?:since|from)\b",
                    re.I)
_AS_A_LAB_BEFORE = re.compile(r"\b(?:serum|plasma|blood|urine|urinary|level of|levels of|concentration of)\s*$", re.I)
_AS_A_LAB_AFTER = re.compile(r"^\s*(?:levels?|concentrations?|values?)?\s*(?:[(:]\s*)?(?:[<>≤≥=]|\d)", re.I)
_TO_BE_GIVEN = re.compile(r"\b(?:willing|agree\w*|able|scheduled|planned|plans?|planning|going|will|may|candidates?|"
                          r"eligible|indicated|intend\w*|expected)\s+(?:to\s+|for\s+)?(?:be\s+)?(?:receive|take|use|start|"
                          r"treated|undergo|given|initiat\w*)", re.I)
_CURRENT = re.compile(r"\b(current(?:ly)?|concomitant|ongoing|receiving|taking|on treatment with|"
                      r"concurrent(?:ly)?|at the time of)\b", re.I)
_EVER = re.compile(r"\b(prior|previous(?:ly)?|history of|ever|past|previously treated|earlier)\b", re.I)
# Words of a line that carry no condition of their own.
_FILLER = set("""a an the of with or and to in on for by at as be is are was were has have had having who which
that this these those any all its their his her patient patients subject subjects participant participants person
persons people individual individuals must should will can may known documented diagnosis diagnosed confirmed
history prior previous evidence presence present male female males females men women man
woman both either age aged old years year months month weeks week days day than more less count level levels
value values serum plasma blood total absolute treatment treated therapy with use used using received receiving
including include includes included following criteria criterion e g i eg ie etc enrolment enrollment
screening study entry randomisation randomization baseline registration inclusion start visit dose first before
prior preceding child children adult adults adolescent adolescents infant infants between eligible""".split())
# "non-" joined to a word makes a name ("non-small cell lung cancer", "non-Hodgkin lymphoma"), not a negation.
_NEGATION = re.compile(r"\b(no|not|without|never|non(?!-)|none|neither|nor|absence|absent|negative|except|unless|"
                       r"excluding|other than|free of|lack of|unable|unwilling|refus\w*)\b|n't\b", re.I)
_EXCEPTION = re.compile(r"\b(?:except(?:\s+for)?|unless|excluding|other than|with the exception of|apart from)\b", re.I)
_VAGUE = re.compile(r"\b(normal|adequate|sufficient|appropriate|acceptable|significant|severe|uncontrolled|"
                    r"clinically|stable|reasonable|satisfactory)\b", re.I)


@dataclass
class ParsedLine:
    """What the parser made of one criterion line."""

    text: str
    kind: str
    rule: dict[str, Any] | None
    manual: str | None
    also_check: str | None = None
    partial: str | None = None
    atoms: tuple[str, ...] = ()  # kinds of rule found: age, sex, lab, pregnancy, diagnosis, medication
    # Thresholds as the text states them (measure, operator, value, unit), before the age convention is applied.
    stated: tuple[tuple[str, str, float, str | None], ...] = ()
    # The words the rule reads, as spans of the line (after spacing and the lead-in): what it leaves out is for
    # the study team. Measured against the spans experts judged not computable (make criteria-report).
    read: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "rule": self.rule, "manual": self.manual,
                "also_check": self.also_check, "partial": self.partial,
                "stated": [{"measure": m, "op": o, "value": v, "unit": u} for m, o, v, u in self.stated]}


@dataclass
class _Atom:
    kind: str
    rule: dict[str, Any]
    start: int
    end: int
    stated: tuple[str, str, float, str | None] | None = None
    uln: bool = False  # a threshold made from the table of upper limits of normal, not from the line's own number
    more_stated: tuple[tuple[str, str, float, str | None], ...] = ()  # the upper bound of a range
    # The words the rule reads, when not the whole span: a medicine's names and its time frame, not the words between.
    cover: tuple[tuple[int, int], ...] = ()
    untimed: bool = False  # a medicine named with no time frame, read as "ever taken"


def _manual(text: str, kind: str, why: str, stated: tuple[tuple[str, str, float, str | None], ...] = ()) -> ParsedLine:
    return ParsedLine(text, kind, None, why, stated=stated)


# The legacy PDQ layout's body-system labels before a requirement ("Hepatic: Bilirubin no greater than 2 mg/dL"):
# a heading, not part of the requirement.
_PDQ_SYSTEM = re.compile(r"^(?:Hematopoietic|Hepatic|Renal|Cardiovascular|Pulmonary|Neurologic|Gastrointestinal|"
                         r"Immunologic|Other|Biologic therapy|Chemotherapy|Endocrine therapy|Radiotherapy|Surgery)"
                         r"\s*:\s*(?=\S)")
# "Performance status: WHO 0-2", "Performance status: Zubrod 0-1", "Performance status: 0-2": the 0 to 4 scale
# that ECOG, Zubrod, WHO, SWOG, GOG and CALGB share (Karnofsky and Lansky run from 0 to 100).
_PDQ_PERFORMANCE = re.compile(r"^Performance status\s*:\s*(?:ECOG|Zubrod|WHO|SWOG|GOG|CALGB|ECOG/Zubrod)?\s*"
                              r"(\d)\s*(?:-|–|to)\s*(\d)\b(?!\s*%)", re.I)
_FULLWIDTH = str.maketrans({"＜": "<", "＞": ">", "＝": "=", "≧": "≥", "≦": "≤", "～": "~", "˂": "<", "˃": ">"})
# Wording that makes a line a requirement on the person even with no heading: "must", "required", "no X".
_REQUIREMENT_WORDING = re.compile(r"^(?:[\w ,/-]{0,40}\b(?:must|required|requires|shall)\b|(?:no|not|without|never)\b|"
                                  r"(?:age|aged|ages)\b)", re.I)
# Comparison signs written against their words ("BMI>30kg/m2", "CDR >/= 1"), spaced so that terms are tokens.
_SIGN = re.compile(r"\s*(≥|≤|>/=|</=|>\s?=|<\s?=|=>|=<|>|<)\s*")
_SIGN_SPELLING = {">/=": ">=", "</=": "<=", "> =": ">=", "< =": "<="}


def parse_line(text: str, kind: str, lead_in: str | None = None) -> ParsedLine:
    """The rule for one line (inclusion or exclusion), or why it stays manual.

    `lead_in` is the line a sub-item hangs under when that line ends in a colon ("Excluded within 30 days of
    study entry:"): the sub-item ("Isoniazid.") is read as the end of that sentence, so it keeps the time frame."""
    text = " ".join(text.translate(_FULLWIDTH).split())
    if lead_in and kind == "exclusion":
        lead_in = re.sub(r"^\s*(?:excluded|exclusions?)\b:?\s*", "", lead_in, flags=re.I)  # the kind, not a negation
    whole = f"{' '.join(lead_in.split())} {text}" if lead_in else text
    whole = _PDQ_SYSTEM.sub("", whole)
    scale = _PDQ_PERFORMANCE.match(whole)
    if scale and int(scale.group(1)) < int(scale.group(2)) <= 4:
        whole = f"ECOG performance status {scale.group(1)}-{scale.group(2)}{whole[scale.end():]}"
    spaced = _SIGN.sub(lambda m: f" {_SIGN_SPELLING.get(m.group(1), m.group(1))} ", whole).strip()
    note = _NOTE.search(spaced)
    parsed = _parse(spaced[:note.start()].rstrip(" ([;,.") if note and note.start() else spaced, kind)
    if note and note.start() and parsed.rule:
        parsed = _with_note(parsed, kind, spaced[note.start():].strip(" ()[].;"))
    parsed.text = text
    return parsed


def _with_note(parsed: ParsedLine, kind: str, note: str) -> ParsedLine:
    """A note may widen or narrow what the line asks: the rule decides only in the direction that never rules a
    person out, and the note goes to the study team; a rule already open the other way is left to them whole."""
    side = "necessary" if kind == "exclusion" else "sufficient"
    if parsed.partial and parsed.partial != side:
        return _manual(parsed.text, kind, f"a note or reason the parser cannot weigh against the rule ({note[:100]})",
                       parsed.stated)
    check = f"what the line adds after its requirement ({note[:100]})"
    return replace(parsed, partial=side, also_check=f"{parsed.also_check}; {check}" if parsed.also_check else check)


def _parse(text: str, kind: str) -> ParsedLine:
    if kind not in ("inclusion", "exclusion"):
        as_inclusion = _parse(text, "inclusion") if text else None
        if as_inclusion and as_inclusion.rule and (_REQUIREMENT_WORDING.match(text) or as_inclusion.atoms == ("age",)):
            # The record gives no heading, but the wording is a requirement ("Must be 18 or older", "No prior
            # chemotherapy") or the line gives the ages studied: read as an inclusion, partial so that it can never
            # rule a person out.
            return ParsedLine(text, kind, as_inclusion.rule, None,
                              "whether the record meant this line as a requirement (it gives no heading)"
                              + (f"; {as_inclusion.also_check}" if as_inclusion.also_check else ""),
                              "sufficient", as_inclusion.atoms, as_inclusion.stated, as_inclusion.read)
        # Else read it all the same, to show staff what the line measures; it gets no rule.
        return _manual(text, kind, "the record does not say whether this line includes or excludes",
                       as_inclusion.stated if as_inclusion else ())
    if not text:
        return _manual(text, kind, "empty line")
    if _NOT_SPECIFIED.match(text):
        return _manual(text, kind, "the record states no requirement here")
    if re.match(r"^see\b", text, re.I):
        return _manual(text, kind, "the record states no requirement here: it points to another section")
    for pattern, why in _STAYS_MANUAL:
        if pattern.search(text) and not (pattern is _AGREEMENT_LINE and _CONTRACEPTION.search(text)):
            return _manual(text, kind, why, _other_measures(text, []))
    whole = _whole_line(text, kind)
    if whole is not None:
        return whole
    negated = _NEGATED_REQUIREMENT.match(text) if kind == "inclusion" else None
    if negated:
        return _not(text, negated.group(1))
    # An exception in an exclusion ("prior malignancy except basal cell carcinoma") only narrows the line: what it
    # names is not part of the rule, and the rule on the rest is necessary for the line, so it is kept partial.
    exception = _EXCEPTION.search(text) if kind == "exclusion" else None
    head = text[:exception.start()] if exception else text
    atoms, problem = _atoms(head, analyse(head), kind)
    if exception and (problem or not atoms):
        exception, head = None, text
        atoms, problem = _atoms(text, analyse(text), kind)
    if problem:
        return _manual(text, kind, problem, _other_measures(text, []))
    others = _other_measures(text, atoms)
    if not atoms:
        if others:
            named = "; ".join(f"{m} {o} {v:g}{' ' + u if u else ''}" for m, o, v, u in others[:3])
            return ParsedLine(text, kind, None, f"a measure the assistant does not ask about ({named})",
                              stated=others)
        return _manual(text, kind, "no statement the parser reads with confidence (age, sex, a lab value with its "
                                   "unit, pregnancy, a diagnosis or a medicine in the vocabulary)")
    ages = [a.rule["op"] for a in atoms if a.kind == "age"]
    lows = [_years(a.rule) for a in atoms if a.kind == "age" and a.rule["op"] == ">="]
    highs = [_years(a.rule) for a in atoms if a.kind == "age" and a.rule["op"] == "<"]
    either = re.search(r"\bor\b", text[min(a.start for a in atoms):max(a.end for a in atoms)], re.I)
    if lows and highs and max(lows) >= min(highs) and not either:
        return _manual(text, kind, "age bounds that contradict each other (for different groups of people)",
                       _stated(atoms) + others)
    if ages.count(">=") > 1 or ages.count("<") > 1:
        return _manual(text, kind, "several age ranges in one line (for different groups of people)",
                       _stated(atoms) + others)
    covered = [span for a in atoms for span in (a.cover or ((a.start, a.end),))]
    outside = _outside(head, covered)
    if _NEGATION.search(outside):
        return _manual(text, kind, "a negation or exception the parser cannot scope", _stated(atoms) + others)
    joined = _join(atoms, text, kind)
    if joined is None:
        return _manual(text, kind, "'and' and 'or' mixed between the statements: grouping is not clear",
                       _stated(atoms) + others)
    rule, certain = joined
    leftover = [w for w in re.findall(r"[a-zA-Z][a-zA-Z'-]*", outside) if w.lower() not in _FILLER]
    vague = _VAGUE.search(outside)
    try:
        parse_rule(rule, "parsed")
    except RuleError as error:
        return _manual(text, kind, f"the rule read does not check: {error.message}", _stated(atoms) + others)
    kinds = tuple(dict.fromkeys(a.kind for a in atoms))
    stated = _stated(atoms) + others
    read = tuple(head[start:end] for start, end in sorted(covered))
    if any(a.kind == "pregnancy_test" for a in atoms):
        # "a negative pregnancy test": not being pregnant is needed, the test itself is for the study team.
        return ParsedLine(text, kind, rule, None, "the pregnancy test itself", "necessary", kinds, stated, read=read)
    if any(a.untimed for a in atoms):
        partial = "necessary" if kind == "exclusion" else "sufficient"
        check = ("when the medicine was taken: the line gives no time frame" if any(
            a.untimed and a.kind == "medication" for a in atoms) else "whether a minor operation counts too")
        return ParsedLine(text, kind, rule, None, check, partial, kinds, stated, read=read)
    if any(a.kind == "contraception" for a in atoms):
        # The fact is the willingness to use birth control during the study; the method, the period after it
        # and whether it is in use today stay for the study team, in the direction that never rules anyone out.
        partial = "necessary" if kind == "exclusion" else "sufficient"
        return ParsedLine(text, kind, rule, None, "the method and period of birth control the line asks for",
                          partial, kinds, stated, read=read)
    if any(a.uln for a in atoms):
        # The table's upper limit stands in for the laboratory's own: the rule may never decide alone.
        partial = "necessary" if kind == "exclusion" else "sufficient"
        limits = "; ".join(f"{k} {v['uln']} {v['unit'].replace('umol', 'µmol')}" for k, v in _uln_table().items()
                           if any(a.uln and a.rule["fact"] == k for a in atoms))
        check = f"the laboratory's own upper limit of normal (the rule used {limits})"
        return ParsedLine(text, kind, rule, None, check, partial, kinds, stated, read=read)
    unread = re.search(r"(?:" + _OP + r")\s*\d", outside, re.I)  # a bound the atoms did not read ("≥ 12 to < 18")
    if unread and not leftover:
        leftover = [unread.group(0)]
    if exception:
        return ParsedLine(text, kind, rule, None, f"the exception the line makes ({text[exception.start():][:100]})",
                          "necessary", kinds, stated, read=read)
    if leftover or vague or not certain:
        rest = " ".join(leftover) if leftover else "how the parts combine"
        partial = "necessary" if kind == "exclusion" else "sufficient"
        return ParsedLine(text, kind, rule, None, f"the rest of the line as written ({rest[:120]})", partial, kinds,
                          stated, read=read)
    return ParsedLine(text, kind, rule, None, None, None, kinds, stated, read=read)


# A threshold on a measure outside the facts: "FEV1 < 50 %", "MMSE score of at least 24". Read only to say what the
# line measures (for staff and the coverage report); it never becomes a rule.
_THRESHOLD = re.compile(r"(" + _OP + r")\s*" + _NUM + r"(?![\d.,])(?!\s*(?:[×x*]\s*)?(?:uln|upper|lower|times|-|–|to\b|"
                        r"/\s*\d|th\b|st\b|nd\b|rd\b|percentile))"
                        r"\s*((?:[A-Za-zµμ%/°²³^*0-9.]+)?)", re.I)
_MEASURE_WORDS = re.compile(r"([A-Za-z][\w/+-]*(?:\s+[A-Za-z][\w/+-]*){0,3})\s*(?:\([^()]{1,25}\)\s*)?"
                            r"(?:(?:of|is|was|at|level|levels|value|values|score|count|:|=)\s*)*$", re.I)
_NOT_A_MEASURE = set("""below above under over greater higher lower fewer equal those women men children boys girls
with and or of the a an in on at to for from by patients patient subjects subject participants
participant who have has had having be is are was were must should any no not than more less least most age aged
years year old older younger months month weeks week days day hours hour times time episodes within during prior
before after since""".split())
# Measures whose values are spans of time, not time windows: "gestational age < 32 weeks", "life expectancy".
_TIMED_MEASURE = re.compile(r"\b(?:age|gestation\w*|duration|cycles?|expectancy|survival|test|time)\b", re.I)
_TIME_WORDS = re.compile(r"^(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|months?|mos?|years?|"
                         r"yrs?|y)$", re.I)


# The same outside the facts, written after the number or as a range: "a pain score of 5 or greater",
# "EDSS between 0 and 6.5", "fasting glucose 70~120 mg/dL".
_THRESHOLD_AFTER = re.compile(r"(?<![A-Za-z])" + _NUM + r"\s*((?:[A-Za-zµμ%/°²³^*0-9.]+)?)\s*(?:or|and)\s*"
                              r"(more|greater|higher|above|over|"
                              r"less|fewer|lower|below|under)\b(?!\s*than)", re.I)
_RANGE_ANY = re.compile(r"(?:between\s+)?(?<![A-Za-z])" + _NUM + r"\s*(?:-|–|~|to|and)\s*" + _NUM + r"(?![\d.,])\s*"
                        r"((?:[A-Za-zµμ%/°²³^*0-9.]+)?)", re.I)


def _stated(atoms: list[_Atom]) -> tuple[tuple[str, str, float, str | None], ...]:
    return tuple(x for a in sorted(atoms, key=lambda a: a.start) for x in ((a.stated,) if a.stated else ())
                 + a.more_stated)


def _other_measures(text: str, atoms: list[_Atom]) -> tuple[tuple[str, str, float, str | None], ...]:
    found: list[tuple[int, tuple[str, str, float, str | None]]] = []
    taken: list[tuple[int, int]] = [(a.start, a.end) for a in atoms]

    def free(m: re.Match[str]) -> bool:
        return not any(start <= m.start() < end or start < m.end() <= end for start, end in taken)

    def measure_before(m: re.Match[str]) -> str | None:
        chunk = text[max(0, m.start() - 60):m.start()].rstrip().rstrip("([").rstrip()
        before = re.split(r"[,;.(\[]\s|[,;]", chunk)[-1]
        words = _MEASURE_WORDS.search(before)
        named = [w for w in words.group(1).split() if w.lower() not in _NOT_A_MEASURE and len(w) > 1] if words else []
        return " ".join(named) or None

    def unit_of(raw: str, m: re.Match[str]) -> tuple[bool, str | None]:
        unit = raw.rstrip(".,;*") or None
        if unit and not (known_unit(unit) or re.search(r"[%/°²³^]", unit) or _TIME_WORDS.match(unit)
                         or unit.lower() in ("cm", "mm", "m", "cgy", "gy", "ppm", "mmhg", "dba", "db", "hz", "ml", "l",
                                             "kg", "points", "point")):
            unit = None  # a word, not a unit ("> 4 on a scale")
        before = text[max(0, m.start() - 60):m.start()]
        timed = bool(unit and _TIME_WORDS.match(unit) and not _TIMED_MEASURE.search(before))
        return not timed, unit

    for m in _THRESHOLD.finditer(text):
        measure = measure_before(m)
        ok, unit = unit_of(m.group(3), m)
        if free(m) and measure and ok:
            found.append((m.start(), (measure, _OPS[m.group(1).lower()], parse_number(m.group(2)), unit)))
            taken.append((m.start(), m.end()))
            second = _SECOND_BOUND.match(text[m.end():])  # "FEV1 > 40 and < 80 %", "pain ≥ 4 or ≤ 1"
            if second:
                found.append((m.end(), (measure, _OPS[second.group(2).lower()], parse_number(second.group(3)), unit)))
                taken.append((m.end(), m.end() + second.end()))
    for m in _THRESHOLD_AFTER.finditer(text):
        if re.search(r"(?:" + _OP + r")\s*$", text[:m.start()], re.I):
            continue  # "below 18 and above 45": the number belongs to the operator before it
        measure = measure_before(m)
        ok, unit = unit_of(m.group(2), m)
        if free(m) and measure and ok:
            op = ">=" if m.group(3).lower() in ("more", "greater", "higher", "above", "over") else "<="
            found.append((m.start(), (measure, op, parse_number(m.group(1)), unit)))
            taken.append((m.start(), m.end()))
    for m in _RANGE_ANY.finditer(text):
        measure = measure_before(m)
        ok, unit = unit_of(m.group(3), m)
        low, high = parse_number(m.group(1)), parse_number(m.group(2))
        calendar = all(1900 <= n <= 2100 and n == int(n) for n in (low, high))  # "between 2000 and 2017": years
        graded = bool(measure and re.search(r"\b(?:grade|stage|class|score|scale|index|asa|nyha|status)$", measure,
                                             re.I))
        if free(m) and measure and ok and low < high and not calendar and (
                unit or graded or m.group(0).lower().startswith("between")):
            found.append((m.start(), (measure, ">=", low, unit)))
            found.append((m.start(), (measure, "<=", high, unit)))
            taken.append((m.start(), m.end()))
    return tuple(item for _, item in sorted(found, key=lambda pair: pair[0]))


def _not(text: str, rest: str) -> ParsedLine:
    """An inclusion "No X" is the exclusion "X" turned round; a partial part turns round with it."""
    inner = parse_line(rest, "exclusion")
    if inner.rule is None:
        return _manual(text, "inclusion", inner.manual or "not read")
    flipped = {"necessary": "sufficient", "sufficient": "necessary"}.get(inner.partial or "")
    return ParsedLine(text, "inclusion", {"not": inner.rule}, None, inner.also_check, flipped, inner.atoms,
                      inner.stated, inner.read)


def _whole_line(text: str, kind: str) -> ParsedLine | None:
    """Short whole-line forms of the legacy layout, read exactly or not at all."""
    m = _AGE_BARE.match(text)
    if m and kind == "inclusion":
        unit = _unit(m.group(5) or "year")
        low = int(m.group(1))
        if m.group(4):
            high = int(m.group(4))
            if low >= high:
                return None
            atoms = [_age_bound(">=", low, unit, 0, 0), _age_bound("<=", high, unit, 0, 0)]
        else:
            up = m.group(3).lower() in ("over", "older", "above")
            atoms = [_age_bound(">=" if up else "<=", low, unit, 0, 0)]
        rule = atoms[0].rule if len(atoms) == 1 else {"all": [a.rule for a in atoms]}
        return ParsedLine(text, kind, rule, None, atoms=("age",), stated=tuple(a.stated for a in atoms if a.stated),
                          read=(text,))
    if _NOT_PREGNANT_LINE.match(text) and kind == "inclusion":
        parts = [{"fact": "pregnant", "is": False}]
        if re.search(r"nursing|lactating|breast", text, re.I):
            parts.append({"fact": "breastfeeding", "is": False})
        rule = parts[0] if len(parts) == 1 else {"all": parts}
        return ParsedLine(text, kind, rule, None, atoms=("pregnancy",), read=(text,))
    return None


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    out, at = [], 0
    for start, end in sorted(spans):
        out.append(text[at:start])
        at = max(at, end)
    out.append(text[at:])
    return " ".join(out)


def _join(atoms: list[_Atom], text: str, kind: str) -> tuple[dict[str, Any], bool] | None:
    """One rule from the atoms, joined the way the words between them say; (rule, sure of the grouping)."""
    if len(atoms) == 1:
        return atoms[0].rule, True
    atoms = sorted(atoms, key=lambda a: a.start)
    joiners = set()
    for left, right in itertools.pairwise(atoms):
        between = text[left.end:right.start].lower()
        if re.search(r"\bor\b|/", between):
            joiners.add("any")
        elif re.search(r"\band\b", between):
            joiners.add("all")
        else:
            joiners.add("list")
    if {"any", "all"} <= joiners:
        return None
    # "A, B or C" is an or-list and "A, B and C" an and-list; commas alone leave the grouping to the kind, and
    # so does "and" in an exclusion ("pregnant and breastfeeding women" excludes either).
    sure = joiners != {"list"} and not (kind == "exclusion" and "all" in joiners)
    how = "any" if "any" in joiners else "all" if "all" in joiners else ("all" if kind == "inclusion" else "any")
    if all(a.kind == "age" for a in atoms):
        lows = [_years(a.rule) for a in atoms if a.rule["op"] == ">="]
        highs = [_years(a.rule) for a in atoms if a.rule["op"] == "<"]
        apart = bool(lows and highs and max(lows) >= min(highs))  # "under 18 or over 80": outside a range
        how, sure = ("any", "any" in joiners) if apart else ("all", True)  # else the bounds of one age range
    if how == "any" and all(a.kind == "diagnosis" and "within" in a.rule for a in atoms):
        return {"fact": "diagnoses", "within": list(dict.fromkeys(c for a in atoms for c in a.rule["within"]))}, sure
    parts = [a.rule for a in atoms]
    unique = [r for i, r in enumerate(parts) if r not in parts[:i]]  # "now or within 30 days": one fact, asked once
    return (unique[0] if len(unique) == 1 else {how: unique}), sure


def _atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    atoms: list[_Atom] = []
    for finder in (_age_atoms, _lab_atoms, _pregnancy_atoms, _contraception_atoms, _diagnosis_atoms,
                   _medication_atoms, _flag_atoms, _treatment_atoms):
        found, problem = finder(text, doc, kind)
        if problem:
            return [], problem
        before = list(atoms)
        atoms.extend(a for a in found if not any(a.start < b.end and b.start < a.end for b in before))
    return atoms, None


def _age_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """Age bounds by the register convention: an upper "N years" lasts until the (N+1)th birthday."""
    if _NOT_AN_AGE_LIMIT.search(text):
        return [], None
    if not _AGE_CONTEXT.search(text) and not _AGE_LINE_REST.match(_AGE_ANY.sub(" ", text)):
        return [], None  # no age word, and the line is more than an age ("disease duration over 5 years")
    atoms: list[_Atom] = []
    for m in _AGE_RANGE.finditer(text):
        if not _about_the_person(text, m):
            continue
        unit = _unit(m.group(3))
        low, high = int(m.group(1)), int(m.group(2))
        if low >= high:
            return [], f"age range {m.group(0)!r} runs backwards"
        atoms.append(_Atom("age", {"fact": "age", "op": ">=", "value": low, "unit": unit}, m.start(), m.end(),
                           ("age", ">=", low, unit)))
        atoms.append(_Atom("age", {"fact": "age", "op": "<", "value": high + 1, "unit": unit}, m.end() - 1, m.end(),
                           ("age", "<=", high, unit)))
    for m in _AGE_TWO_OPS.finditer(text):
        if any(a.start < m.end() and m.start() < a.end for a in atoms) or not _about_the_person(text, m):
            continue
        unit = _unit(m.group(5))
        atoms.append(_age_bound(_OPS[m.group(1).lower()], int(m.group(2)), unit, m.start(), m.end()))
        atoms.append(_age_bound(_OPS[m.group(3).lower()], int(m.group(4)), unit, m.end() - 1, m.end()))
    for m in itertools.chain(_AGE_PLUS.finditer(text), _AGE_RANGE_BEFORE_WORD.finditer(text)):
        if any(a.start < m.end() and m.start() < a.end for a in atoms):
            continue
        atoms.append(_age_bound(">=", int(m.group(1)), "year", m.start(), m.end()))
        if m.re is _AGE_RANGE_BEFORE_WORD and int(m.group(1)) < int(m.group(2)):
            atoms.append(_age_bound("<=", int(m.group(2)), "year", m.end() - 1, m.end()))
    for m in _AGE_OP_BEFORE.finditer(text):
        if any(a.start < m.end() and m.start() < a.end for a in atoms) or not _about_the_person(text, m):
            continue
        atoms.append(_age_bound(_OPS[m.group(1).lower()], int(m.group(2)), _unit(m.group(3)), m.start(), m.end()))
    for m in _AGE_RANGE_BARE.finditer(text):
        low, high = int(m.group(1)), int(m.group(2))
        if any(a.start < m.end() and m.start() < a.end for a in atoms) or low >= high:
            continue
        atoms += [_age_bound(">=", low, "year", m.start(), m.end()), _age_bound("<=", high, "year", m.end() - 1,
                                                                                  m.end())]
    for m in _AGE_MIN_MAX.finditer(text):
        if any(a.start < m.end() and m.start() < a.end for a in atoms):
            continue
        op = ">=" if m.group(1).lower().startswith("min") else "<="
        atoms.append(_age_bound(op, int(m.group(2)), _unit(m.group(3)), m.start(), m.end()))
    for m in _AGE_OP_BARE.finditer(text):
        if any(a.start < m.end() and m.start() < a.end for a in atoms):
            continue
        atoms.append(_age_bound(_OPS[m.group(1).lower()], int(m.group(2)), "year", m.start(), m.end()))
        if m.group(3):
            atoms.append(_age_bound(_OPS[m.group(3).lower()], int(m.group(4)), "year", m.end() - 1, m.end()))
    for m in _AGE_AND_OVER_BARE.finditer(text):
        if any(a.start < m.end() and m.start() < a.end for a in atoms):
            continue
        up = m.group(2).lower() in ("above", "over", "older")
        atoms.append(_age_bound(">=" if up else "<=", int(m.group(1)), "year", m.start(), m.end()))
    for m in _AGE_OP_AFTER.finditer(text):
        if any(a.start < m.end() and m.start() < a.end for a in atoms) or not _about_the_person(text, m):
            continue
        word = m.group(3).lower()
        op = ">=" if word in ("older", "above", "over", "more", "greater") else "<="
        atoms.append(_age_bound(op, int(m.group(1)), _unit(m.group(2)), m.start(), m.end()))
    return atoms, None


def _about_the_person(text: str, match: re.Match[str]) -> bool:
    """An age word or a person just before the bound, "of age" / "years old" right after it, "or older" in it,
    or nothing else in the line ("18 years or older"); never the age of a disease, an event or a pregnancy."""
    if _SOMETHING_ELSE_AGED.search(text[max(0, match.start() - 60):match.start()]):
        return False
    return bool(_AGE_BEFORE.search(text[max(0, match.start() - 40):match.start()])
                or _AFTER_AN_AGE.search(text[max(0, match.start() - 40):match.start()])
                or _AGE_AFTER.match(text[match.end():])
                or re.search(r"of age|years?[- ]old|yrs? old|\bolder\b|\byounger\b", match.group(0), re.I)
                or (_AGE_LINE_REST.match(text[:match.start()] + " " + text[match.end():])
                    and re.search(r"\by(?:ea)?rs?\b", match.group(0), re.I) is not None))


def _years(rule: dict[str, Any]) -> float:
    return convert(rule["value"], rule["unit"], "year")


def _age_bound(op: str, value: int, unit: str, start: int, end: int) -> _Atom:
    if op in (">", ">="):
        rule = {"fact": "age", "op": ">=", "value": value, "unit": unit}
    elif op == "<=":
        rule = {"fact": "age", "op": "<", "value": value + 1, "unit": unit}
    else:
        rule = {"fact": "age", "op": "<", "value": value, "unit": unit}
    return _Atom("age", rule, start, end, ("age", op, value, unit))


def _unit(word: str) -> str:
    word = word.lower()
    for prefix, unit in (("y", "year"), ("mo", "month"), ("w", "week"), ("d", "day"), ("h", "hour")):
        if word.startswith(prefix):
            return unit
    return "year"


def _lab_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """A lab term or score followed by a comparison or a range and a number; a lab's unit must be one the fact
    converts."""
    atoms: list[_Atom] = []
    for ent in doc.ents:
        if ent.label_ != "LAB" or ent.ent_id_ not in FACTS:
            continue
        fact = FACTS[ent.ent_id_]
        m = _COMPARISON.match(text[ent.end_char:])
        if not m:
            band = _LAB_RANGE.match(text[ent.end_char:])
            if band:
                atom, problem = _lab_range(fact, text, ent, band)
                if problem:
                    return [], problem
                if atom:
                    atoms.append(atom)
            continue
        end = ent.end_char + m.end()
        value = parse_number(m.group(2))
        rule: dict[str, Any] = {"fact": fact.key, "op": _OPS[m.group(1).lower()], "value": value}
        second = _SECOND_BOUND.match(text[end:])
        if fact.type == "quantity":
            unit_match = _UNIT_TEXT.match(text[end:])
            unit = _unit_spelling(unit_match.group(1)) if unit_match else ""
            if second and not (unit and known_unit(unit)):  # "platelets < 50 or > 500 x 10^9/L": the unit ends both
                later = _UNIT_TEXT.match(text[end + second.end():])
                unit = _unit_spelling(later.group(1)) if later else ""
                unit_match = None
            times_uln = _TIMES_ULN.match(text[end:])
            if times_uln and fact.key in _uln_table():
                limit = _uln_table()[fact.key]
                rule["value"] = round(value * limit["uln"], 3)
                rule["unit"] = limit["unit"]
                atoms.append(_Atom("lab", rule, ent.start_char, end + times_uln.end(),
                                   (fact.key, rule["op"], value, "× ULN"), uln=True))
                continue
            if re.search(r"\b(uln|upper limit|lln|lower limit|normal)\b", text[end:end + 30], re.I):
                return [], f"{fact.label} is compared with a normal range (× ULN), which the parser does not read"
            if not unit or not known_unit(unit):
                return [], f"{fact.label} {m.group(1)} {m.group(2)} has no unit the parser knows"
            try:
                fact.canonical(value, unit)
            except ValueRefused:
                return [], f"{fact.label}: {value:g} {unit} is not a value or unit of {fact.label}"
            rule["unit"] = unit
            end += unit_match.end() if unit_match else 0
        else:
            unit_after = _SCORE_UNIT.match(text[end:])
            end += unit_after.end() if unit_after else 0
            try:
                fact.canonical(value)
            except ValueRefused:
                return [], f"{fact.label} {value:g} is outside the scale"
        stated = (fact.key, rule["op"], value, rule.get("unit"))
        second = _SECOND_BOUND.match(text[end:])
        if second and fact.type == "quantity":
            later = _UNIT_TEXT.match(text[end + second.end():])
            if not (later and known_unit(_unit_spelling(later.group(1)))):
                second = None  # "≥ 100 x 10^9/L and ≥ 3": a second number with no unit of its own is not read
        if second:
            other = {**rule, "op": _OPS[second.group(2).lower()], "value": parse_number(second.group(3))}
            end += second.end()
            if fact.type == "quantity":
                later = _UNIT_TEXT.match(text[end:])
                if later and known_unit(_unit_spelling(later.group(1))):
                    other["unit"] = _unit_spelling(later.group(1))
                    end += later.end()
            else:
                unit_after = _SCORE_UNIT.match(text[end:])
                end += unit_after.end() if unit_after else 0
            try:
                fact.canonical(other["value"], other.get("unit"))
            except ValueRefused:
                return [], f"{fact.label}: {other['value']:g} is not a value of {fact.label}"
            how = "any" if second.group(1).lower() == "or" else "all"
            atoms.append(_Atom("lab" if fact.type == "quantity" else "score", {how: [rule, other]}, ent.start_char,
                               end, stated, more_stated=((fact.key, other["op"], other["value"], other.get("unit")),)))
            continue
        atoms.append(_Atom("lab" if fact.type == "quantity" else "score", rule, ent.start_char, end, stated))
    return atoms, None


def _lab_range(fact: Any, text: str, ent: Span, band: re.Match[str]) -> tuple[_Atom | None, str | None]:
    """ "BMI 18.5-30 kg/m2", "ECOG 0 to 2": both bounds inclusive, as registers write ranges."""
    low, high = parse_number(band.group(1)), parse_number(band.group(2))
    if low >= high:
        return None, None
    end = ent.end_char + band.end()
    bounds: list[dict[str, Any]] = [{"fact": fact.key, "op": ">=", "value": low},
                                    {"fact": fact.key, "op": "<=", "value": high}]
    unit = None
    if fact.type == "quantity":
        unit_match = _UNIT_TEXT.match(text[end:])
        unit = _unit_spelling(unit_match.group(1)) if unit_match else ""
        if not unit or not known_unit(unit):
            return None, f"{fact.label} {low:g} to {high:g} has no unit the parser knows"
        for bound in bounds:
            bound["unit"] = unit
        end += unit_match.end()
    else:
        unit_after = _SCORE_UNIT.match(text[end:])
        end += unit_after.end() if unit_after else 0
    try:
        fact.canonical(low, unit)
        fact.canonical(high, unit)
    except ValueRefused:
        return None, f"{fact.label} {low:g} to {high:g} is outside the scale or its units"
    return _Atom("lab" if fact.type == "quantity" else "score", {"all": bounds}, ent.start_char, end,
                 (fact.key, ">=", low, unit), more_stated=((fact.key, "<=", high, unit),)), None


def _unit_spelling(unit: str) -> str:
    """ "ml per minute" → "ml/min", "1,73 m" → "1.73m2": the spellings the unit table knows."""
    unit = unit.rstrip(".,;")
    unit = re.sub(r"\s*\bper\b\s*", "/", unit, flags=re.I)
    unit = re.sub(r"minute", "min", unit, flags=re.I).replace("1,73", "1.73")
    return re.sub(r"1\.73\s*m$", "1.73m2", unit)


@functools.lru_cache(maxsize=1)
def _uln_table() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "reference_ranges.yaml").read_text(
        encoding="utf-8"))


def _pregnancy_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    atoms: list[_Atom] = []
    test = _NEGATIVE_TEST.search(text)
    if test:
        return [_Atom("pregnancy_test", {"fact": "pregnant", "is": False}, test.start(), test.end())], None
    if kind == "inclusion":
        # "Women must not be pregnant or lactating", "non-pregnant"; a trial that requires a pregnancy is rare
        # enough to stay manual.
        not_pregnant = _NOT_PREGNANT_ANY.search(text)
        if not not_pregnant:
            return [], None
        parts: list[dict[str, Any]] = [{"fact": "pregnant", "is": False}]
        if re.search(r"nursing|lactating|breast", not_pregnant.group(0), re.I):
            parts.append({"fact": "breastfeeding", "is": False})
        rule = parts[0] if len(parts) == 1 else {"all": parts}
        return [_Atom("pregnancy", rule, not_pregnant.start(), not_pregnant.end())], None
    for pattern, key in ((_PREGNANT, "pregnant"), (_BREASTFEEDING, "breastfeeding")):
        m = pattern.search(text)
        if m and not _NOT_PREGNANT_NOW.search(text[:m.start()]):
            atoms.append(_Atom("pregnancy", {"fact": key, "is": True}, m.start(), m.end()))
    return atoms, None


_CONTRACEPTION = re.compile(r"\b(?:contracepti(?:on|ve|ves)|birth control)\b", re.I)
_FERTILE = re.compile(r"\b(?:fertile|(?:of\s+)?child[- ]?bearing (?:potential|age)|of reproductive potential|"
                      r"who (?:can|could|may) (?:become|get) pregnant|able to (?:become|get) pregnant)\b", re.I)
_MUST_USE = re.compile(r"\b(?:must|should|shall|agrees?|willing|required?|requires|need|needs|have to|to use)\b", re.I)
_NOT_USING = re.compile(r"\b(?:not|unwilling|refus\w*|unable|fail\w*|without)\b(?:\W+\w+){0,4}?\W+"
                        r"(?=(?:\w+\W+){0,2}(?:contracepti|birth control))", re.I)


def _contraception_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """ "Fertile patients must use effective contraception" (inclusion), "women of childbearing potential not using
    contraception" (exclusion): birth control, for those who could have a child when the line says so."""
    method = _CONTRACEPTION.search(text)
    if not method:
        return [], None
    fertile = _FERTILE.search(text)
    spans = [(method.start(), method.end())] + ([(fertile.start(), fertile.end())] if fertile else [])
    if kind == "inclusion":
        if not _MUST_USE.search(text):
            return [], None
        use: dict[str, Any] = {"fact": "contraception", "is": True}
        rule = {"any": [{"fact": "fertile", "is": False}, use]} if fertile else use
    else:
        refusing = _NOT_USING.search(text)
        if not refusing or refusing.start() > method.start():
            return [], None
        spans.append((refusing.start(), method.end()))
        use = {"fact": "contraception", "is": False}
        rule = {"all": [{"fact": "fertile", "is": True}, use]} if fertile else use
    start, end = min(a for a, _ in spans), max(b for _, b in spans)
    return [_Atom("contraception", rule, start, end, cover=tuple(spans))], None


_RADIOTHERAPY = re.compile(r"\b(?:radiotherapy|radiation therapy|radiation treatment|irradiation|radiation)\b", re.I)
_SURGERY = re.compile(r"\b(major\s+)?(?:surgery|surgical procedure|operation)\b", re.I)
# Surgery or radiotherapy to come, or as a condition of the disease, not one the person has had.
_NOT_HAD = re.compile(r"\b(?:scheduled|planned|candidates?|requir\w*|need\w*|undergo\w*|amenable|suitable|eligible|"
                      r"resect\w*|curative|unresectable|concurrent\w*|concomitant|ongoing|currently|during|definitive|"
                      r"recovered|recovery|complications?|toxicit\w*|allowed|permitted)\b", re.I)


def _treatment_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """Radiotherapy and major surgery: ever, within a window, or at least a time ago ("at least 4 weeks since
    prior radiotherapy": none, or the last one that long ago)."""
    atoms = []
    for pattern, fact in ((_RADIOTHERAPY, "radiotherapy"), (_SURGERY, "major_surgery")):
        named = pattern.search(text)
        if not named or _NOT_HAD.search(text):
            continue
        since, window = _SINCE.search(text), _WINDOW.search(text)
        when = since or window
        if when is not None:
            number, unit = (since.group(2), since.group(3)) if since else (window.group(1) or window.group(3),
                                                                          window.group(2) or window.group(4))
            if unit.lower().startswith(("half", "h")):
                continue
            bound = {"fact": f"{fact}_days_ago", "value": parse_number(number), "unit": _unit(unit)}
            if since and since.group(1).lower() in ("at least", "more than", "over", "a minimum of", "minimum of",
                                                    ">=", ">"):
                rule: dict[str, Any] = {"any": [{"fact": fact, "is": False}, {**bound, "op": ">="}]}
            else:
                rule = {"all": [{"fact": fact, "is": True}, {**bound, "op": "<="}]}
            spans = ((named.start(), named.end()), (when.start(), when.end()))
        elif (ever := _EVER.search(text[:named.start()])) and not re.search(
                r"\b(?:to|after|before|until|following)\s+(?:the\s+|any\s+|a\s+)?$", text[:named.start()], re.I):
            # "prior surgery", not "consent prior to surgery" (the study's own operation)
            rule = {"fact": fact, "is": True}
            spans = ((ever.start(), ever.end()), (named.start(), named.end()))
        else:
            continue
        minor_too = fact == "major_surgery" and not named.group(1)  # "surgery": a minor one may count too
        start, end = min(a for a, _ in spans), max(b for _, b in spans)
        atoms.append(_Atom("treatment", rule, start, end, cover=spans, untimed=minor_too))
    return atoms, None


# Yes/no facts a criterion line may state in the conversation's own words.
_FLAGS_READ = ("other_trial", "infection", "recurrent_infections", "hct", "dnr", "legal_protection",
               "hepatic_encephalopathy", "anaemia")


def _flag_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """ "Participation in another clinical trial", "active infection", "prior stem cell transplant" (exclusions)."""
    if kind != "exclusion":
        return [], None  # an inclusion names these to rule them out or as a condition; "No X" is read as X turned
    atoms = []
    named_disease = any(e.label_ == "DIAG" for e in doc.ents)
    for ent in doc.ents:
        if ent.label_ != "FLAG" or ent.ent_id_ not in _FLAGS_READ or ent._.negated:
            continue
        if ent.ent_id_ == "infection" and named_disease:
            continue  # "HIV infection", "hepatitis B infection": the disease, not any infection
        atoms.append(_Atom("flag", {"fact": ent.ent_id_, "is": True}, ent.start_char, ent.end_char))
    return atoms, None


# An inclusion's "HIV negative", "HBsAg negative", "seronegative for hepatitis C": the disease is absent.
_TESTED_NEGATIVE = re.compile(r"^\s*(?:(?:test|tested|status|serology|serologic|antibody|antibodies|ab|elisa)\s+){0,2}"
                              r"(?:negative|seronegative)\b", re.I)


def _diagnosis_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """Diagnoses the vocabulary knows; "malignancy" means ICD-10's C-codes, the myeloid neoplasms borderline."""
    voc = vocabulary()
    hits: list[Span] = [e for e in doc.ents if e.label_ == "DIAG" and e.ent_id_ in voc.concepts]
    if not hits:
        return [], None
    tested_negative = {id(e): _TESTED_NEGATIVE.match(text[e.end_char:]) for e in hits} if kind == "inclusion" else {}
    if any(e._.negated and not tested_negative.get(id(e)) for e in hits):
        return [], "a diagnosis under a negation the parser cannot scope"
    atoms = []
    for ent in hits:
        negative = tested_negative.get(id(ent))
        if negative:  # "HIV negative", "hepatitis B surface antigen negative": not having it
            rule_not = {"not": {"fact": "diagnoses", "within": [ent.ent_id_]}}
            end = ent.end_char + negative.end()
            atoms.append(_Atom("diagnosis", rule_not, ent.start_char, end))
            continue
        before = text[:ent.start_char]
        if (_NOT_HAVING.search(before) and not re.search(r"\bpositive\b[^.;]*$", before, re.I)) or re.match(
                r"\s*(?:vaccin|test|screen|serolog|status unknown|biops|tissue|samples?\b|specimens?\b|material|"
                r"blocks?\b)", text[ent.end_char:], re.I):
            # "anti-cancer treatment", "testing for HIV", "hepatitis B vaccine", "tumour biopsy material": what the
            # line asks for is not having the disease
            continue
        rule: dict[str, Any] = {"fact": "diagnoses", "within": [ent.ent_id_]}
        if voc.concept_within(ent.ent_id_, "malignancy") and ent.ent_id_ in ("malignancy", "haematological_malignancy"):
            rule["borderline"] = ["myeloid_neoplasm"]
        atoms.append(_Atom("diagnosis", rule, ent.start_char, ent.end_char))
    return atoms, None


def _medication_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """Named medicines or classes with a time frame: now, ever, or within hours to years or half-lives."""
    names = [e for e in doc.ents if e.label_ in ("DRUG", "CLASS")]
    if not names or _CONTRACEPTION.search(text):
        return [], None  # medicines in a birth-control line are the study's or the method itself
    if _OTHER_TRIAL.search(text):
        return [], "a medicine given in another trial: whether that trial counts is for the study team"
    if any(e._.negated for e in names):
        return [], "a medicine under a negation the parser cannot scope"
    if _NOT_TAKING.search(text):
        return [], "an allergy, intolerance, contraindication or misuse of a medicine: not the same as taking it"
    if any(_AS_A_LAB_BEFORE.search(text[:e.start_char]) or _AS_A_LAB_AFTER.match(text[e.end_char:]) for e in names):
        return [], "a substance named as a laboratory value (\"serum testosterone\"), not a medicine taken"
    if _TO_BE_GIVEN.search(text):
        return [], "a medicine the person is to receive (in the study or as planned care), not one taken"
    voc = vocabulary()
    whole_class = {e.text: voc.class_for_word(e.text) for e in names}  # "corticosteroids" names the class
    drugs = sorted({e.ent_id_ for e in names if e.label_ == "DRUG" and e.ent_id_ in voc.drugs
                    and not whole_class[e.text]})
    classes = sorted({e.ent_id_ for e in names if e.label_ == "CLASS" and e.ent_id_ in voc.classes}
                     | {c for c in whole_class.values() if c})
    if not drugs and not classes:
        return [], None
    spec: dict[str, Any] = {"medication": {k: v for k, v in (("drugs", drugs), ("classes", classes)) if v}}
    if "chemotherapy" in classes and "anticancer" not in classes:
        spec["medication"]["borderline"] = ["anticancer"]  # hydroxyurea, kinase inhibitors: chemotherapy or not?
    since = _SINCE.search(text)
    window = _WINDOW.search(text)
    if since:
        unit = since.group(3).lower()
        if unit.startswith("half"):
            spec["within_half_lives"] = parse_number(since.group(2))
        else:
            spec["within"] = f"{since.group(2)} {_time_unit(unit)}"
        when: re.Match[str] | None = since
        if since.group(1).lower() in ("at least", "more than", "over", "a minimum of", "minimum of", ">=", ">"):
            span = (min(since.start(), names[0].start_char), max(since.end(), names[-1].end_char))
            cover = ((since.start(), since.end()), *((e.start_char, e.end_char) for e in names))
            return [_Atom("medication", {"not": spec}, *span, cover=cover)], None
    elif window:
        number = window.group(1) or window.group(3)
        unit = (window.group(2) or window.group(4)).lower()
        if unit.startswith("half"):
            spec["within_half_lives"] = parse_number(number)
        else:
            spec["within"] = f"{number} {_time_unit(unit)}"
        when = window
    elif _CURRENT.search(text):
        spec["current"] = True
        when = _CURRENT.search(text)
    elif _EVER.search(text):
        spec["ever"] = True
        when = _EVER.search(text)
    else:
        # No time frame: "ever taken" is the one reading every other reading lies inside, so the rule is kept
        # partial, and when it was taken is for the study team.
        spec["ever"] = True
        span = (names[0].start_char, names[-1].end_char)
        return [_Atom("medication", spec, *span, cover=tuple((e.start_char, e.end_char) for e in names),
                      untimed=True)], None
    assert when is not None
    span = (min(when.start(), names[0].start_char), max(when.end(), names[-1].end_char))
    cover = ((when.start(), when.end()), *((e.start_char, e.end_char) for e in names))
    return [_Atom("medication", spec, *span, cover=cover)], None


def _time_unit(word: str) -> str:
    for prefix, unit in (("h", "hours"), ("d", "days"), ("w", "weeks"), ("mo", "months"), ("y", "years")):
        if word.startswith(prefix):
            return unit
    return "days"
