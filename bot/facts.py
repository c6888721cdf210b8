"""The vocabulary of patient facts that trial criteria may ask about.

Each fact knows its type, canonical unit, plausible range and the plain-words
question a patient is asked, so that criteria, the NLP and the dialogue share one
definition and a value outside the range is refused before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.i18n import Number, Phrase, phrase
from bot.units import UnitError, convert, round_noise

FactType = Literal["quantity", "score", "bool", "enum", "concepts", "medications", "text"]


class ValueRefused(ValueError):
    """A value that cannot be true of a person; the message says why and gives an example."""

    def __init__(self, fact: str, message: str) -> None:
        super().__init__(message)
        self.fact = fact
        self.message = message


@dataclass(frozen=True)
class Fact:
    """One thing a criterion may ask about a person."""

    key: str
    label: str
    type: FactType
    question: str
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    molar_mass: float | None = None
    example: str = ""
    plain: str = ""

    @property
    def named(self) -> Phrase:
        """The label, to be worded in the person's language (bot/locale holds the translations)."""
        return Phrase(self.label)

    @property
    def example_words(self) -> Phrase:
        return Phrase(self.example)

    def canonical(self, value: float, unit: str | None = None) -> float:
        """Convert to the canonical unit and check the plausible range."""
        if self.type not in ("quantity", "score"):
            raise TypeError(f"{self.key} is not a number")
        number = float(value)
        if unit and self.unit:
            try:
                number = convert(number, unit, self.unit, self.molar_mass)
            except UnitError as error:
                raise ValueRefused(self.key, phrase(
                    "I don't know the unit '{unit}' for {label}. Could you give it in {canonical}, for example "
                    "{example}?", unit=unit, label=self.named, canonical=self.unit, example=self.example_words),
                ) from error
        number = round_noise(number)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise ValueRefused(self.key, phrase(
                "{value} is not a possible {label}. Could you check it? For example: {example}.",
                value=format_value(self, number), label=self.named, example=self.example_words))
        return number


def _q(key: str, label: str, unit: str, low: float, high: float, question: str, example: str, **kw: object) -> Fact:
    return Fact(key, label, "quantity", question, unit=unit, low=low, high=high, example=example, **kw)


def _b(key: str, label: str, question: str, plain: str = "") -> Fact:
    return Fact(key, label, "bool", question, example="yes or no", plain=plain or label)


def _vas(key: str, symptom: str) -> Fact:
    return Fact(
        key,
        f"{symptom} score",
        "score",
        f"On a scale from 0 (none) to 10 (worst), how bad is your {symptom} at the moment?",
        unit=None,
        low=0,
        high=10,
        example=f"'{symptom} 7 out of 10'",
    )


FACTS: dict[str, Fact] = {
    f.key: f
    for f in (
        _q("age", "age", "year", 0, 125, "How old is the patient?", "'67 years' or '5 months'"),
        Fact("sex", "sex", "enum", "Is the patient female or male?", choices=("female", "male"), example="'female'"),
        _q("weight", "body weight", "kg", 0.3, 350, "What does the patient weigh?", "'18 kg'"),
        Fact("country", "country", "text", "In which country would the patient take part?", example="'France'"),
        Fact(
            "diagnoses",
            "diagnosis",
            "concepts",
            "What condition has the patient been diagnosed with?",
            example="'essential thrombocythaemia' or 'leukaemia'",
        ),
        _b("hct", "haematopoietic cell transplant", "Has the patient had a stem cell (bone marrow) transplant?",
           "a stem cell transplant"),
        _b("icu", "ICU admission", "Is the patient in intensive care (ICU or PICU) now?", "being in intensive care"),
        _q("icu_days_ago", "time since ICU admission", "day", 0, 3650,
           "How many days ago was the patient admitted to intensive care?", "'2 days ago'"),
        _b("infection", "suspected or confirmed infection",
           "Do the doctors think the patient has an infection, or have they confirmed one?", "an infection"),
        _b("recurrent_infections", "recurrent or uncontrolled infections",
           "Do you have infections that keep coming back or are not under control?",
           "infections that keep coming back or are not controlled"),
        _q("platelets", "platelet count", "G/L", 0, 5000, "What was your latest platelet count?",
           "'platelets 250 G/L' or '250,000/µL'"),
        _q("neutrophils", "neutrophil count", "G/L", 0, 200, "What was your latest neutrophil count?",
           "'neutrophils 2.1 G/L'"),
        _q("haemoglobin", "haemoglobin", "g/L", 10, 250, "What was your latest haemoglobin?",
           "'haemoglobin 12.5 g/dL'", molar_mass=16114.5),
        _q("haematocrit", "haematocrit", "%", 5, 90, "What was your latest haematocrit?", "'haematocrit 45%'"),
        _q("wbc", "white cell count", "G/L", 0, 1000, "What was your latest white blood cell count?", "'WBC 7.5 G/L'"),
        _q("ferritin", "ferritin", "ug/L", 0, 500000, "What was the ferritin level (at ICU admission)?",
           "'ferritin 2500 µg/L'"),
        _q("alt", "ALT", "U/L", 0, 20000, "What was the latest ALT (liver enzyme) level?", "'ALT 45 U/L'"),
        _q("bilirubin", "bilirubin", "umol/L", 0, 1500, "What was the latest bilirubin level?",
           "'bilirubin 20 µmol/L' or '1.2 mg/dL'", molar_mass=584.66),
        _q("ast", "AST", "U/L", 0, 20000, "What was the latest AST (liver enzyme) level?", "'AST 35 U/L'"),
        _q("creatinine", "creatinine", "umol/L", 5, 3000,
           "What was the latest creatinine level (a blood test of the kidneys)?",
           "'creatinine 80 µmol/L' or '0.9 mg/dL'", molar_mass=113.12),
        _q("egfr", "eGFR (kidney filtration rate)", "mL/min/1.73m2", 0, 200,
           "What was the latest eGFR, the kidney filtration rate worked out from a blood test?", "'eGFR 75'"),
        _q("creatinine_clearance", "creatinine clearance", "mL/min", 0, 300,
           "What was the latest creatinine clearance (how well the kidneys clear the blood)?", "'85 mL/min'"),
        _q("albumin", "albumin", "g/L", 5, 70, "What was the latest albumin level in the blood?",
           "'albumin 38 g/L' or '3.8 g/dL'"),
        _q("hba1c", "HbA1c", "%", 3, 20, "What was the latest HbA1c, the blood test of average sugar levels?",
           "'HbA1c 7.2%'"),
        _q("systolic_bp", "systolic blood pressure", "mmHg", 50, 300,
           "What is the usual blood pressure: what is the upper (systolic) number?", "'135 mmHg'"),
        _q("diastolic_bp", "diastolic blood pressure", "mmHg", 20, 200,
           "What is the usual blood pressure: what is the lower (diastolic) number?", "'85 mmHg'"),
        _q("lvef", "heart ejection fraction (LVEF)", "%", 5, 90,
           "What was the ejection fraction (how strongly the heart pumps) on the latest heart scan?", "'LVEF 55%'"),
        _q("qtc", "QTc interval", "ms", 250, 700, "What was the corrected QT interval (QTc) on the latest ECG?",
           "'QTc 430 ms'"),
        _q("pt", "prothrombin time", "s", 5, 200, "What was the prothrombin time (PT) in seconds?", "'PT 14 s'"),
        Fact("inr", "INR", "score", "What was the INR?", low=0.5, high=20, example="'INR 1.2'"),
        Fact("phoenix", "Phoenix sepsis score", "score", "What is the Phoenix sepsis score?", low=0, high=13,
             example="'Phoenix 3'"),
        Fact("ecog", "performance status (ECOG)", "score",
             "How much does the illness limit daily life, from 0 (not at all) to 4 (in bed or a chair all day): "
             "ECOG 0, 1, 2, 3 or 4?", low=0, high=5, example="'ECOG 1'"),
        Fact("karnofsky", "performance status (Karnofsky)", "score",
             "What is the Karnofsky score, from 100 (normal, no complaints) down to 10 (very ill)?", low=0, high=100,
             example="'Karnofsky 80'"),
        Fact("bmi", "body mass index (BMI)", "score", "What is the body mass index (BMI)?", low=8, high=120,
             example="'BMI 27'"),
        _vas("vas_pruritus", "itching (pruritus)"),
        _vas("vas_fever", "fever"),
        _vas("vas_night_sweats", "night sweats"),
        _vas("vas_fatigue", "tiredness (fatigue)"),
        Fact(
            "eln_response",
            "response to treatment (ELN)",
            "enum",
            "How has your blood count responded to your current treatment: completely, partly, or not at all?",
            choices=("complete", "partial", "none"),
            example="'partial response'",
        ),
        _b("anaemia", "anaemia", "Do you have anaemia (a low red blood cell count)?"),
        Fact(
            "medications",
            "medicines",
            "medications",
            "Which medicines is the patient taking now, or took recently, and since when?",
            example="'hydroxyurea for 8 months'",
        ),
        _b("pregnant", "pregnancy", "Are you pregnant?", "pregnancy"),
        _b("breastfeeding", "breastfeeding", "Are you breastfeeding?", "breastfeeding"),
        _b("fertile", "could conceive a child", "Could you (or your partner, through you) become pregnant?",
           "being able to have a child"),
        _b("contraception", "willing to use contraception",
           "Would you be willing to use effective birth control during the study?", "using birth control"),
        _b("dnr", "do-not-resuscitate order or limits of care",
           "Is there a do-not-resuscitate order, or any limit on intensive care treatments?",
           "a do-not-resuscitate order or limits on intensive care"),
        Fact(
            "allergies",
            "allergies",
            "concepts",
            "Do you have any known allergy to anakinra or to proteins made in E. coli bacteria?",
            example="'no allergies'",
        ),
        _b("legal_protection", "legal protection (guardianship or curatorship)",
           "Are you under guardianship or curatorship?", "guardianship or curatorship"),
        _b("other_trial", "taking part in another trial", "Are you taking part in another clinical trial now?",
           "another clinical trial"),
        _b("other_trial_drug", "the other trial gives an investigational medicine",
           "Does that other study give an investigational (trial) medicine, rather than only collect information?",
           "a trial with an investigational medicine"),
        _b("organ_failure", "pre-existing organ failure",
           "Before this illness, was there serious organ failure, such as heart failure, severe lung disease "
           "or chronic kidney failure?", "earlier serious organ failure"),
        _b("vitamin_k_corrects", "clotting values improved after vitamin K",
           "If the clotting tests (PT or INR) were abnormal, did they improve after vitamin K was given?",
           "clotting tests improving after vitamin K"),
        _b("treated_for_hyperinflammation", "targeted medicine given for hyperinflammation",
           "If a biologic medicine or a JAK inhibitor was given in the week before intensive care, was it to calm "
           "an overactive immune reaction (hyperinflammation), rather than for something else such as "
           "graft-versus-host disease?",
           "a targeted medicine given for hyperinflammation"),
        _b("radiotherapy", "radiotherapy (radiation treatment)",
           "Has the patient ever had radiotherapy (radiation treatment)?", "radiotherapy"),
        _q("radiotherapy_days_ago", "time since the last radiotherapy", "day", 0, 36500,
           "How long ago did the last radiotherapy (radiation treatment) end?", "'3 months ago'"),
        _b("major_surgery", "major surgery",
           "Has the patient had a major operation (surgery under general anaesthesia)?", "a major operation"),
        _q("major_surgery_days_ago", "time since the last major surgery", "day", 0, 36500,
           "How long ago was the last major operation?", "'6 weeks ago'"),
        _b("hepatic_encephalopathy", "hepatic encephalopathy",
           "Is there confusion or drowsiness caused by liver failure (hepatic encephalopathy)?",
           "brain effects of liver failure"),
    )
}


class UnknownFact(KeyError):
    """A fact key that the vocabulary does not hold."""


def fact(key: str) -> Fact:
    """Look a fact up by key, with a clear error for an unknown one."""
    try:
        return FACTS[key]
    except KeyError:
        raise UnknownFact(f"unknown fact {key!r}") from None


def format_value(definition: Fact, value: object) -> str:
    """Show a stored value as a person reads it: ages of infants in months, numbers without float noise."""
    if isinstance(value, bool):
        return phrase("yes") if value else phrase("no")
    if definition.type in ("quantity", "score") and isinstance(value, (int, float)):
        if definition.key == "age" and value < 2:
            months = round_noise(value * 12)
            return phrase("{number} months", number=Number(months))
        if definition.key == "age":
            return phrase("{number} years", number=Number(value))
        if definition.key.endswith("_days_ago"):
            return phrase("{number} days", number=Number(value))
        shown = {"ug/L": "µg/L", "umol/L": "µmol/L"}
        unit = shown.get(definition.unit or "", definition.unit)
        if definition.key.startswith("vas_"):
            return phrase("{number}/10", number=Number(value))
        return phrase("{number} {unit}", number=Number(value), unit=unit) if unit else Number(value)
    if definition.type == "enum" and isinstance(value, str):
        return phrase(value)
    return str(value)

