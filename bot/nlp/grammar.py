"""The grammar words of each language the readers understand: English, French and Dutch.

Names of diagnoses, medicines and labs are one vocabulary for all three languages (bot/data/*.yaml and the
patterns); the words around them are not: negation, clause breaks, doubt, time units, "my son", "I am"...
Each language's words are here, in one small curated table per language, so a reader asks `grammar(lang)`
instead of hard-coding English. The lists are hand-made on purpose: they are the closed classes of each language
(particles, pronouns, prepositions, units of time), short and easy to review; number words, month names and
dates come from libraries (text2num, babel, dateparser).

The English entries are the ones the readers always used; the French and Dutch ones follow the same roles.
Relations are stored under their English key ("fille" is "daughter"), so what a caller gets does not depend on the
language of the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

LANGUAGES = ("en", "fr", "nl")


@dataclass(frozen=True)
class Grammar:
    """One language's grammar words and patterns; see the module docstring."""

    lang: str
    negation_cues: frozenset[str]
    clause_breaks: frozenset[str]
    not_negating_after: frozenset[str]
    post_negation: frozenset[str]  # "fever: no", "koorts: nee"
    post_negation_links: frozenset[str]
    hedge_words: frozenset[str]
    hedge_after_negation: frozenset[str]
    negating_before_hedge: frozenset[str]
    hedge_phrase: re.Pattern[str] | None  # doubt said in several words ("je ne sais pas", "weet ik niet")
    caregiver: re.Pattern[str]
    relations: dict[str, str]  # a relation word to its English key
    relation_sex: dict[str, str]  # English key to sex
    clinician: re.Pattern[str]
    past: re.Pattern[str]
    stopped: re.Pattern[str]
    duration: re.Pattern[str]  # "for 8 months": group 1 is the span
    started: re.Pattern[str]
    start_verb: re.Pattern[str]
    was: re.Pattern[str]
    before_icu: re.Pattern[str]
    following_span: re.Pattern[str]
    unwilling: re.Pattern[str]
    country_words: str  # prepositions before a country's name
    value_filler: str  # words between a lab's name and its number
    when_words: tuple[str, ...]  # words before a date that say when
    start_when_words: tuple[str, ...]  # the ones that date a start without a verb of starting
    unit_re: str  # the units of time in a span, as one regex group
    count_re: str  # a count before a unit, as one regex group
    conjunction: str  # "1 year and 6 months"
    time_units: dict[str, float]  # unit word (lower case, singular and plural) to days
    count_words: dict[str, float]  # counts text2num leaves as words ("a", "un", "een")
    half: re.Pattern[str]  # "half a year": group 1 is the unit
    and_a_half: re.Pattern[str]  # "a year and a half": group 1 the count, group 2 or 3 the unit
    one_and_a_half: re.Pattern[str] | None  # "anderhalf jaar": group 1 the unit
    ago: re.Pattern[str]  # "3 months ago": group 1 the count, group 2 the unit
    relative_days: tuple[tuple[str, float], ...]  # "yesterday", "last month"
    ages: tuple[re.Pattern[str], ...]  # age statements: group 1 the number, group 2 the unit word (optional)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_EN_UNIT = r"(days?|d|weeks?|wks?|months?|mos?|years?|yrs?|y)"
_EN_COUNT = r"(\d+(?:[.,]\d+)?|an?(?:\s+couple\s+of)?|couple\s+of|one)"
_EN_NOT_PREGNANCY = r"(?!\s*(?:weeks?|wks?|months?)\s+(?:pregnant|along|gestation|of pregnancy))"
_EN_RELATIONS = ("daughter son child kid baby boy girl mother mum mom father dad wife husband partner brother "
                 "sister grandson granddaughter grandchild").split()
_SEX = {"daughter": "female", "girl": "female", "mother": "female", "mum": "female", "mom": "female",
        "wife": "female", "sister": "female", "granddaughter": "female", "son": "male", "boy": "male",
        "father": "male", "dad": "male", "husband": "male", "brother": "male", "grandson": "male"}

ENGLISH = Grammar(
    lang="en",
    negation_cues=_words("no not n't never without denies denied deny none neither nor unwilling refuses refuse "
                         "refused negative nil absent excluded wo"),
    clause_breaks=_words("but however although though whereas yet and plus also while with except apart"),
    not_negating_after=_words("only just"),
    post_negation=_words("no negative absent excluded none"),
    post_negation_links=frozenset({":", "-", "=", "is", "was"}),
    hedge_words=_words("unsure maybe perhaps possibly might unclear uncertain dunno"),
    hedge_after_negation=_words("sure certain know idea remember recall"),
    negating_before_hedge=_words("not n't no t dont didnt cant cannot"),
    hedge_phrase=None,
    caregiver=_re(r"\b(?:my|our)\s+(" + "|".join(_EN_RELATIONS) + r")\b"),
    relations={w: w for w in _EN_RELATIONS},
    relation_sex=_SEX,
    clinician=_re(r"\b(?:the patient|my patient|pt|y/o|yo|referr\w*)\b"),
    past=_re(r"\b(stopped|discontinued|came off|ended|finished|received|took|had|given|got|was on|were on|"
             r"last dose|last given|previously|prior|before)\b"),
    stopped=_re(r"\b(stopped|discontinued|came off|ended|finished|quit)\b"),
    duration=_re(r"\b(?:for|since|over)\s+(?:the\s+(?:last|past)\s+)?(.{1,20}?(?:days?|weeks?|months?|years?|"
                 r"yrs?|mos?)(?:\s+and\s+(?:a\s+half|\S+\s+(?:months?|weeks?|days?)))?)\b"),
    started=_re(r"\b(started|began|begun|starting|commenced|initiated|since)\b"),
    start_verb=_re(r"\b(started|began|begun|starting|commenced|initiated)\b"),
    was=_re(r"\b(was|were|had been)\b"),
    before_icu=_re(r"(.{1,20}?(?:days?|weeks?|months?|d|h|hours?))\s+(?:before|prior to|pre)\s+(?:the\s+)?"
                   r"(?:p?icu|intensive care|admission|itu)"),
    following_span=_re(r",\s*((?:for|since|over)\b[^;.!?\n,]*)"),
    unwilling=_re(r"\b(won'?t|will not|unwilling|refuses?|doesn'?t want|do not want)\b"),
    country_words=r"in|from|near|live in|living in",
    value_filler=r"[:=~≈]|of|is|was|were|are|at|about|around|approx\.?|approximately|now|currently|today|"
                 r"score|sepsis score|level|levels|count|vas|value|only|just|\(|\)|-(?=\s)",
    when_words=("since", "from", "in", "on", "started", "began", "stopped", "ended"),
    start_when_words=("since", "from"),
    unit_re=_EN_UNIT,
    count_re=_EN_COUNT,
    conjunction="and",
    time_units={"d": 1, "day": 1, "w": 7, "wk": 7, "week": 7, "mo": 365.25 / 12, "month": 365.25 / 12,
                "y": 365.25, "yr": 365.25, "year": 365.25},
    count_words={"a": 1.0, "an": 1.0, "one": 1.0, "a couple of": 2.0, "couple of": 2.0},
    half=_re(rf"\bhalf\s+an?\s+{_EN_UNIT}\b"),
    and_a_half=_re(rf"\b{_EN_COUNT}\s+(?:and\s+a\s+half\s+{_EN_UNIT}|{_EN_UNIT}\s+and\s+a\s+half)\b"),
    one_and_a_half=None,
    ago=_re(rf"\b{_EN_COUNT}\s*(days?|weeks?|months?|years?|hours?|hrs?)\s+ago\b"),
    relative_days=(("yesterday", 1.0), ("today", 0.0), ("last week", 7.0), ("last month", 365.25 / 12),
                   ("last year", 365.25), ("this week", 3.0), ("this morning", 0.0)),
    ages=(),  # English keeps its own, older patterns in bot.nlp.values
)

# French. "ne" alone is no negation ("je ne prends que..." says only); its partner is: pas, plus, jamais, aucun...
_FR_RELATIONS = {"fils": "son", "fille": "daughter", "enfant": "child", "bébé": "baby", "bebe": "baby",
                 "garçon": "boy", "garcon": "boy", "petite fille": "girl", "père": "father", "pere": "father",
                 "papa": "dad", "mère": "mother", "mere": "mother", "maman": "mum", "mari": "husband",
                 "épouse": "wife", "epouse": "wife", "femme": "wife", "conjoint": "partner", "conjointe": "partner",
                 "compagnon": "partner", "compagne": "partner", "frère": "brother", "frere": "brother",
                 "sœur": "sister", "soeur": "sister", "petit-fils": "grandson", "petite-fille": "granddaughter"}
_FR_UNIT = r"(jours?|j|semaines?|sem|mois|ans?|années?|annees?)"
_FR_COUNT = r"(\d+(?:[.,]\d+)?|une?)"
_FR_NUM = r"(\d+(?:[.,]\d+)?)"
_FR_AGE_UNIT = r"(ans?|mois|semaines?|jours?)"
_FR_PERSON = r"(?:fils|fille|enfant|bébé|bebe|garçon|garcon|père|pere|mère|mere|mari|femme|épouse|frère|sœur|soeur" \
             r"|patiente?|homme|dame|monsieur|madame|nourrisson)"

FRENCH = Grammar(
    lang="fr",
    negation_cues=_words("pas plus jamais aucun aucune sans ni non nul nulle rien refuse refusé refusée négatif "
                         "négative absence exclu exclue"),
    clause_breaks=_words("mais cependant pourtant toutefois néanmoins et aussi avec sauf hormis tandis alors puis car"),
    not_negating_after=_words("seulement uniquement que qu' mal"),
    post_negation=_words("non négatif négative absent absente aucun aucune"),
    post_negation_links=frozenset({":", "-", "=", "est", "était"}),
    hedge_words=_words("peut-être possiblement incertain incertaine"),
    hedge_after_negation=_words("sûr sûre sur sure certain certaine idée souviens souvient rappelle"),
    negating_before_hedge=_words("pas ne n' aucune me"),
    hedge_phrase=_re(r"\b(?:je\s+)?(?:ne\s+sais|sais\s+pas|ne\s+sait|sait\s+pas)\b|\bpeut[- ]être\b|"
                     r"\baucune\s+idée\b|\bpas\s+s[ûu]re?\b"),
    caregiver=_re(r"\b(?:mon|ma|notre|mes)\s+(" + "|".join(sorted((re.escape(w) for w in _FR_RELATIONS),
                                                                  key=len, reverse=True)) + r")\b"),
    relations=_FR_RELATIONS,
    relation_sex=_SEX,
    clinician=_re(r"\b(?:le patient|la patiente|mon patient|ma patiente|mes patients|pt|adress[ée]e?|"
                  r"patient(?:e)? de \d+)\b"),
    past=_re(r"\b(arrêté|arrete|arrêt|stoppé|interrompu|reçu|recu|pris|eu|avant|auparavant|précédemment|"
             r"ancien|dernière dose|prenait|prenais)\b"),
    stopped=_re(r"\b(arrêté|arrêtée|arrete|arretee|arrêt|arret|stoppé|interrompu|interrompue)\b|"
                r"\bn(?:e\s+|')\w+\s+plus\b|\bplus\s+(?:de\b|d')(?!\s*\d)"),
    duration=_re(r"\b(?:depuis|pendant|durant|sur)\s+(?:(?:les|ces)\s+(?:derniers|dernières)\s+)?(?:plus\s+de\s+)?"
                 r"(.{1,20}?(?:jours?|semaines?|mois|ans?|années?)(?:\s+et\s+(?:demie?|\S+\s+(?:mois|semaines?|"
                 r"jours?)))?)(?!\w)"),
    started=_re(r"\b(commencé|commence|débuté|debute|démarré|demarre|initié|mis sous|mise sous|depuis)\b"),
    start_verb=_re(r"\b(commencé|commence|débuté|debute|démarré|demarre|initié|mis sous|mise sous)\b"),
    was=_re(r"\b(était|etait|étais|etais|prenait|prenais|avait|avais)\b"),
    before_icu=_re(r"(.{1,20}?(?:jours?|semaines?|mois|j|h|heures?))\s+(?:avant)\s+(?:l'|la\s+|le\s+|son\s+|sa\s+)?"
                   r"(?:réa|rea|réanimation|reanimation|soins intensifs|admission|hospitalisation)"),
    following_span=_re(r",\s*((?:depuis|pendant|durant)\b[^;.!?\n,]*)"),
    unwilling=_re(r"\b(refuse|refusé|ne veut pas|ne voulons pas|pas question)\b"),
    country_words=r"en|au|aux|de|du|des|près de|depuis la|depuis le",
    value_filler=r"[:=~≈]|à|a|de|d'|du|est|était|sont|vers|environ|env\.?|autour de|actuellement|maintenant|"
                 r"aujourd'hui|score|taux|niveau|valeur|seulement|que|\(|\)|-(?=\s)",
    when_words=("depuis", "dès", "des", "en", "le", "commencé", "débuté", "arrêté", "arrete", "arrêt", "fin"),
    start_when_words=("depuis", "dès"),
    unit_re=_FR_UNIT,
    count_re=_FR_COUNT,
    conjunction="et",
    time_units={"j": 1, "jour": 1, "sem": 7, "semaine": 7, "mois": 365.25 / 12, "an": 365.25, "année": 365.25,
                "annee": 365.25, "h": 1 / 24, "heure": 1 / 24},
    count_words={"un": 1.0, "une": 1.0},
    half=_re(rf"\b(?:un\s+|une\s+)?demi[- ]{_FR_UNIT}\b"),
    and_a_half=_re(rf"\b{_FR_COUNT}\s+(?:{_FR_UNIT}\s+et\s+demie?)\b()"),
    one_and_a_half=None,
    ago=_re(rf"\bil\s+y\s+a\s+{_FR_COUNT}\s*(jours?|semaines?|mois|ans?|années?|heures?|h)\b"),
    relative_days=(("avant-hier", 2.0), ("hier", 1.0), ("aujourd'hui", 0.0), ("la semaine dernière", 7.0),
                   ("le mois dernier", 365.25 / 12), ("l'année dernière", 365.25), ("l'an dernier", 365.25),
                   ("ce matin", 0.0)),
    ages=(
        # j'ai 63 ans, il a 6 ans, elle a 8 mois, mon fils a 6 ans, ma fille de 8 mois, âgé de 63 ans
        _re(rf"\b(?:j'ai|j ai|il a|elle a|(?:mon|ma|notre)\s+{_FR_PERSON}\s+(?:a|qui a|de|est âgée? de|,)|"
            rf"âgée? de|agée? de|{_FR_PERSON}\s+de)\s+(?:maintenant\s+|seulement\s+|déjà\s+)?{_FR_NUM}\s*"
            rf"{_FR_AGE_UNIT}(?!\w)(?!\s+(?:de|d')\s*(?:traitement|maladie|diagnostic|évolution))"),
        # 63 ans, at the start of a message or a clause: "Femme, 63 ans, PV"
        _re(rf"(?:^|[,;(]\s*){_FR_NUM}\s*(ans)(?!\w)(?!\s+(?:de|d')\s*(?:traitement|maladie|diagnostic|évolution))"),
        _re(rf"\bâge\s*[:=]?\s*{_FR_NUM}\s*{_FR_AGE_UNIT}?(?![\w/])"),
    ),
)

_NL_RELATIONS = {"zoon": "son", "dochter": "daughter", "kind": "child", "kindje": "child", "baby": "baby",
                 "zoontje": "son", "dochtertje": "daughter", "jongen": "boy", "meisje": "girl", "vader": "father",
                 "papa": "dad", "pa": "dad", "moeder": "mother", "mama": "mum", "ma": "mum", "man": "husband",
                 "vrouw": "wife", "echtgenoot": "husband", "echtgenote": "wife", "partner": "partner",
                 "broer": "brother", "zus": "sister", "zuster": "sister", "kleinzoon": "grandson",
                 "kleindochter": "granddaughter", "kleinkind": "grandchild"}
_NL_UNIT = r"(dagen|dag|d|weken|week|wk|maanden|maand|mnd|jaren|jaar|jr)"
_NL_COUNT = r"(\d+(?:[.,]\d+)?|een(?:\s+paar)?|één|paar)"
_NL_NUM = r"(\d+(?:[.,]\d+)?)"
_NL_AGE_UNIT = r"(jaar|jr|maanden|maand|mnd|weken|week|dagen|dag)"
_NL_PERSON = r"(?:zoon|zoontje|dochter|dochtertje|kind|kindje|baby|jongen|meisje|vader|moeder|man|vrouw|broer|zus|" \
             r"patiënt|patiente|patiënte|patient)"
_NL_NOT_AFTER_AGE = r"(?![\w/%]|[.,]\d|\s*(?:kg|kilo|cm|g/|x|\*|%|/|mg|µ|u/|ng|mmol|umol|keer|punten?\b|" \
                    r"op 10|van de 10|uit 10))"
_NL_NOT_PREGNANCY = r"(?!\s*(?:weken|week|maanden|maand)\s+(?:zwanger|in verwachting))"

DUTCH = Grammar(
    lang="nl",
    negation_cues=_words("geen niet nooit zonder noch nee neen niets niks negatief afwezig weigert geweigerd"),
    clause_breaks=_words("maar echter hoewel terwijl en plus ook met behalve uitgezonderd"),
    not_negating_after=_words("alleen enkel slechts"),
    post_negation=_words("nee neen negatief afwezig geen niet"),
    post_negation_links=frozenset({":", "-", "=", "is", "was"}),
    hedge_words=_words("misschien mogelijk mogelijks onzeker twijfel twijfelachtig"),
    hedge_after_negation=_words("zeker idee"),
    negating_before_hedge=_words("niet geen"),
    hedge_phrase=_re(r"\bweet\s+(?:(?:ik|het|ze|hij|we|zij|dat)\s+)*niet\b|\bgeen\s+idee\b|\bniet\s+zeker\b|"
                     r"\bweet\s+niet\b"),
    caregiver=_re(r"\b(?:mijn|onze|ons)\s+(" + "|".join(sorted((re.escape(w) for w in _NL_RELATIONS),
                                                                key=len, reverse=True)) + r")\b"),
    relations=_NL_RELATIONS,
    relation_sex=_SEX,
    clinician=_re(r"\b(?:de patiënt|de patient|mijn patiënt|mijn patient|patiënte|pt|verwez\w*|verwijz\w*|"
                  r"pati[eë]nte? van \d+)\b"),
    past=_re(r"\b(gestopt|gestaakt|stopgezet|afgebouwd|gehad|gekregen|kreeg|nam|gebruikte|eerder|vroeger|"
             r"voorheen|laatste dosis)\b"),
    stopped=_re(r"\b(gestopt|gestaakt|stopgezet|afgebouwd|niet meer|geen\s+\S+\s+meer)\b"),
    duration=_re(r"\b(?:sinds|al|gedurende|sedert)\s+(?:(?:de|het)\s+(?:laatste|afgelopen)\s+)?(?:ruim\s+|bijna\s+)?"
                 r"(.{1,20}?(?:dagen|dag|weken|week|maanden|maand|jaren|jaar)(?:\s+en\s+(?:een\s+half|\S+\s+"
                 r"(?:maanden|maand|weken|week|dagen|dag)))?)(?!\w)"),
    started=_re(r"\b(begonnen|gestart|start|startte|begon|sinds|vanaf)\b"),
    start_verb=_re(r"\b(begonnen|gestart|startte|begon)\b"),
    was=_re(r"\b(was|waren|nam|gebruikte|slikte|had)\b"),
    before_icu=_re(r"(.{1,20}?(?:dagen|dag|weken|week|maanden|maand|d|u|uur))\s+(?:voor|vóór)\s+(?:de\s+|het\s+)?"
                   r"(?:opname|ic|picu|intensive care)"),
    following_span=_re(r",\s*((?:sinds|al|gedurende)\b[^;.!?\n,]*)"),
    unwilling=_re(r"\b(wil niet|weigert|weiger|willen niet)\b"),
    country_words=r"in|uit|naar|bij|vanuit|nabij|woon in|wonen in",
    value_filler=r"[:=~≈]|van|is|was|zijn|waren|op|ongeveer|rond|circa|ca\.?|nu|momenteel|vandaag|score|waarde|"
                 r"niveau|gehalte|alleen|maar|\(|\)|-(?=\s)",
    when_words=("sinds", "vanaf", "in", "op", "begonnen", "gestart", "gestopt", "sedert"),
    start_when_words=("sinds", "vanaf", "sedert"),
    unit_re=_NL_UNIT,
    count_re=_NL_COUNT,
    conjunction="en",
    time_units={"d": 1, "dag": 1, "dagen": 1, "wk": 7, "week": 7, "weken": 7, "mnd": 365.25 / 12,
                "maand": 365.25 / 12, "maanden": 365.25 / 12, "jr": 365.25, "jaar": 365.25, "jaren": 365.25,
                "uur": 1 / 24, "uren": 1 / 24},
    count_words={"een": 1.0, "één": 1.0, "een paar": 2.0, "paar": 2.0},
    half=_re(rf"\b(?:een\s+)?half\s+{_NL_UNIT}\b"),
    and_a_half=_re(rf"\b{_NL_COUNT}\s+(?:{_NL_UNIT}\s+en\s+een\s+half)\b()"),
    one_and_a_half=_re(rf"\banderhalf\s+{_NL_UNIT}\b"),
    ago=_re(rf"\b{_NL_COUNT}\s*(dagen|dag|weken|week|maanden|maand|jaren|jaar|uur|uren)\s+(?:geleden|terug)\b"),
    relative_days=(("eergisteren", 2.0), ("gisteren", 1.0), ("vandaag", 0.0), ("vorige week", 7.0),
                   ("vorige maand", 365.25 / 12), ("vorig jaar", 365.25), ("vanochtend", 0.0),
                   ("vanmorgen", 0.0)),
    ages=(
        # ik ben 63 (jaar), hij is 6, mijn zoon is 6 jaar, mijn dochter van 8 maanden, vrouw van 63
        _re(rf"\b(?:ik ben|hij is|zij is|ze is|(?:mijn|onze|ons)\s+{_NL_PERSON}\s+(?:is|van|,)|{_NL_PERSON}\s+van)"
            rf"\s+(?:nu\s+|pas\s+|al\s+|net\s+)?{_NL_NUM}{_NL_NOT_PREGNANCY}"
            rf"\s*{_NL_AGE_UNIT}?(?:\s+oud)?" + _NL_NOT_AFTER_AGE),
        # 6-jarige, 63 jaar oud, leeftijd 6
        _re(rf"(?<![\w.]){_NL_NUM}\s*-?\s*(jarige|jaar oud|maanden oud|weken oud|maand oud)(?!\w)"),
        _re(rf"\bleeftijd\s*[:=]?\s*(?:van\s+)?{_NL_NUM}\s*{_NL_AGE_UNIT}?(?![\w/])"),
    ),
)

_BY_LANG = {g.lang: g for g in (ENGLISH, FRENCH, DUTCH)}


@lru_cache(maxsize=4)
def grammar(lang: str = "en") -> Grammar:
    """The grammar words of a language; an unknown language is a caller's mistake, not English in disguise."""
    if lang not in _BY_LANG:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return _BY_LANG[lang]
