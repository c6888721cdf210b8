"""Words and data the assistant sends: the answer with trials, follow-ups about a trial, the widget payload.

A trial is never said to be one the person is eligible for: it "may fit", and the study team decides.
Contacts are never invented: people are sent to their own doctor or to the sites the register lists.
"""

from __future__ import annotations

from typing import Any

from actions import plain
from actions.questions import subject
from bot.catalog.trial import Trial
from bot.facts import FACTS
from bot.matching import NOT_FITTING_LISTED, MatchReport, TrialResult
from bot.vocab import vocabulary

MAX_SHOWN = 5
NOTHING_TO_ASK = ("I have no more questions I can ask: what is still unknown is for the study team to check. "
                  "Here is the answer again.")
NO_MORE = "Those were all the trials that may fit. Tell me more about yourself and I can check again."
DECIDES = "Only the study team can decide whether someone can take part."
CLINICIAN_NOTE = ("(Information only, not medical advice. I keep these facts for this conversation only; "
                  "say \"forget me\" to erase them.)")
FIT_WORDS = {"eligible": "may fit", "possible": "may fit (some facts unknown)", "ineligible": "does not fit"}
# Plain words for the medicine classes the catalogue's study drugs belong to.
CLASS_WORDS = {
    "il1_blocker": "it blocks interleukin-1, a messenger the immune system uses to drive inflammation",
    "il6_blocker": "it blocks interleukin-6, a messenger the immune system uses to drive inflammation",
    "tnf_blocker": "it blocks TNF-alpha, a messenger the immune system uses to drive inflammation",
    "jak_inhibitor": "it blocks JAK enzymes, which pass on inflammation signals inside cells",
    "cytoreductive": "it lowers the number of blood cells the bone marrow makes",
    "corticosteroid": "it is a steroid that damps down inflammation",
    "calcineurin_inhibitor": "it damps down the immune system",
    "immunosuppressant": "it damps down the immune system",
}


def _sentence_list(items: list[str]) -> str:
    return "; ".join(items)


def trial_lines(result: TrialResult) -> str:
    """Everything a person needs about one trial that may fit."""
    data = result.to_dict()
    lines = [f"{data['plain_title']}", f"Register ID: {data['trial_id']}" + (
        f" (phase {data['phase']})" if data.get("phase") else "")]
    why = [f"{c['label']} ({'; '.join(c['reasons'])})" if c["reasons"] else c["label"]
           for c in data["criteria"] if c["status"] == "met" and c["kind"] == "inclusion"]
    clear = [c["label"] for c in data["criteria"] if c["status"] == "met" and c["kind"] == "exclusion"]
    if why:
        lines.append(f"Why it may fit: {_sentence_list(why)}.")
    if clear:
        lines.append(f"Checked, and not ruling it out: {', '.join(clear)}.")
    against = [f"{c['label']} (the study team checks {c['to_check']})" for c in data["criteria"]
               if c["open_against"]]
    if against:
        lines.append("Could still rule it out, which only the study team can check: " + _sentence_list(against) + ".")
    if data["missing"]:
        lines.append("Still unknown: " + ", ".join(m["label"] for m in data["missing"]) + ".")
    elif not against:
        lines.append("Everything I could check is in favour; the study team still decides.")
    if data["study_team_checks"]:
        lines.append("The study team will check: " + _sentence_list(data["study_team_checks"]) + ".")
    lines.append("Sites: " + (_sentence_list([s["display"] for s in data["sites"]])
                              or "none listed in the register record yet") + ".")
    lines.append("Recruitment: " + (_sentence_list([r["display"] for r in data["recruitment"]]) or "not stated") + ".")
    return "\n".join(lines)


def main_reason(result: TrialResult) -> str:
    failed = result.failed
    if not failed:
        return "it does not fit"
    first = failed[0]
    detail = "; ".join(first.reasons)
    return f"{first.criterion.label}" + (f" ({detail})" if detail else "")


def doctor_words(voice: str, relation: str | None) -> str:
    """Whom a patient or caregiver asks: "your doctor", "your son's doctor"."""
    who = subject(voice, relation)
    return "your doctor" if voice == "self" or who == "the patient" else f"{who}'s doctor"


def plain_summaries(report: MatchReport, page: list[TrialResult], voice: str,
                    relation: str | None) -> list[dict[str, Any]]:
    diagnoses = frozenset(report.profile.diagnoses.asserted)
    country = report.profile.get("country")
    return [plain.summary(r, diagnoses, country, doctor_words(voice, relation)) for r in page]


def remaining_words(remaining: int) -> str:
    return ("One more question would settle it" if remaining == 1 else
            f"{remaining} more questions would settle it") + ": press \"Answer the remaining questions\" or say " \
        "\"continue\"."


def results_messages(report: MatchReport, offset: int = 0, voice: str = "clinician", relation: str | None = None,
                     remaining: int = 0) -> list[str]:
    """The answer: how the trials are ordered, the best that may fit, then briefly a few that do not, with the
    main reason, and counts of the rest. From offset on ("show more"): the next trials that may fit.

    A clinician gets every criterion with its numbers; a patient or caregiver the short plain summary.
    remaining: questions still open after a first answer, offered as a way to settle it."""
    fitting, not_fitting = report.fitting, report.not_fitting
    messages: list[str] = []
    if report.notice:
        messages.append(report.notice)
    page = fitting[offset:offset + MAX_SHOWN]
    if offset and page:
        last = offset + len(page)
        messages.append(f"Trials {offset + 1} to {last} of the {len(fitting)} that may fit. {DECIDES}")
    elif fitting:
        count = len(fitting)
        head = "one trial that may fit" if count == 1 else f"{count} trials that may fit"
        order = f" {report.order_note}" if count > 1 else ""
        messages.append(f"Here is what I found: {head}. {DECIDES}{order}")
    elif report.results or report.ruled_out:
        messages.append("From what you told me, none of the open trials I know fits. "
                        "Your doctor may know of other studies.")
    else:
        messages.append("I don't know of any open trial at the moment. Your doctor may know of other studies.")
    if voice == "clinician":
        messages += [f"{number}. {trial_lines(result)}" for number, result in enumerate(page, start=offset + 1)]
    else:
        summaries = plain_summaries(report, page, voice, relation)
        messages += [plain.lines(number, result, summary)
                     for number, (result, summary) in enumerate(zip(page, summaries, strict=True), start=offset + 1)]
    if page and remaining:
        messages.append(remaining_words(remaining))
    rest = len(fitting) - offset - len(page)
    if rest > 0:
        messages.append(f"…and {_trials(rest, 'more trial')} that may fit: say \"show more\" to see the next ones, "
                        "or tell me more about yourself to narrow the list.")
    if offset:
        return messages
    if not_fitting:
        shown = not_fitting[:NOT_FITTING_LISTED]
        lines = [f"- {r.trial.id} ({r.trial.data.get('plain_title') or r.trial.title}): {main_reason(r)}"
                 for r in shown]
        more = f"\n…and {len(not_fitting) - len(shown)} more." if len(not_fitting) > len(shown) else ""
        messages.append("Trials that do not fit:\n" + "\n".join(lines) + more)
    left_out = []
    if report.ruled_out:
        left_out.append(f"{_trials(report.ruled_out, 'more trial')} "
                        f"{'does' if report.ruled_out == 1 else 'do'} not fit because of age, sex or diagnosis limits")
    if report.other_conditions:
        left_out.append(f"{_trials(report.other_conditions, 'trial')} "
                        f"{'studies' if report.other_conditions == 1 else 'study'} other conditions than yours "
                        "and I did not check")
    if report.unchecked:
        left_out.append(f"{_trials(report.unchecked, 'more trial')} I have not checked yet: telling me more about "
                        "yourself narrows the search")
    if left_out:
        messages.append("; ".join(left_out) + ".")
    return messages


def _trials(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def results_payload(report: MatchReport, offset: int = 0, voice: str = "clinician", relation: str | None = None,
                    remaining: int = 0) -> dict[str, Any]:
    """The same answer as data, for the widget: one page of trials that may fit in full (with the plain summary
    a patient's card shows), a few that do not (first page only), and counts of the rest."""
    page = report.fitting[offset:offset + MAX_SHOWN]
    failing = report.not_fitting[:NOT_FITTING_LISTED] if not offset else []
    summaries = plain_summaries(report, page, voice, relation)
    results = []
    for index, result in enumerate(page + failing):
        data = result.to_dict()
        data["fit"] = FIT_WORDS[result.verdict]
        if index < len(summaries):
            data["plain"] = summaries[index]
        results.append(data)
    return {"type": "trial_results", "note": DECIDES, "order": report.order_note, "results": results,
            "audience": "clinician" if voice == "clinician" else "patient", "remaining_questions": remaining,
            "offset": offset, "next_questions": report.next_questions,
            "closed_trials_left_out": report.closed_left_out,
            "more_may_fit": max(0, len(report.fitting) - offset - len(page)),
            "more_do_not_fit": len(report.not_fitting) - len(failing) + report.ruled_out,
            "other_conditions_left_out": report.other_conditions}


def results_buttons(report: MatchReport, offset: int = 0, remaining: int = 0) -> list[dict[str, str]]:
    buttons: list[dict[str, str]] = []
    fitting = report.fitting[offset:] or report.fitting
    if len(report.fitting) > offset + MAX_SHOWN:
        buttons.append({"title": "Show more trials", "payload": "/show_more"})
    if fitting:
        trial_id = fitting[0].trial.id
        entity = f'{{"trial_id": "{trial_id}"}}'
        buttons += [{"title": "What happens in the study?", "payload": f"/ask_what_happens{entity}"},
                    {"title": "Where are the sites?", "payload": f"/ask_sites{entity}"},
                    {"title": "How can I take part?", "payload": f"/ask_how_to_join{entity}"}]
        drugs = study_drugs(fitting[0].trial)
        if drugs:
            buttons.append({"title": f"What is {vocabulary().label(drugs[0])}?",
                            "payload": f"/ask_about_drug{entity}"})
    if remaining:
        buttons.append({"title": "Answer the remaining questions", "payload": "/continue_questions"})
    buttons += [{"title": "Start over", "payload": "/start_over"},
                {"title": "Forget my data", "payload": "/forget_me"}]
    return buttons


def study_drugs(trial: Trial) -> list[str]:
    return [i["drug"] for i in trial.data.get("interventions") or () if i.get("drug")]


def drug_answer(drug_id: str, trials: list[Trial]) -> str:
    """What a medicine is, from the vocabulary, and how the given trials use it."""
    voc = vocabulary()
    drug = voc.drugs[drug_id]
    brands = f" (brand name {', '.join(drug.brands)})" if drug.brands else ""
    classes = [voc.classes[c].label for c in drug.classes if c in voc.classes]
    words = next((CLASS_WORDS[c] for c in drug.classes if c in CLASS_WORDS), None)
    text = f"{drug.label.capitalize()}{brands} is a medicine" + (f" ({', '.join(classes)})" if classes else "")
    text += f": {words}." if words else "."
    uses = []
    for trial in trials:
        for item in trial.data.get("interventions") or ():
            if item.get("drug") == drug_id:
                how = ", ".join(x for x in (item.get("route"), item.get("dose")) if x)
                uses.append(f"In {trial.id}: {how}." if how else f"{trial.id} studies it.")
    if uses:
        text += " " + " ".join(uses)
    else:
        text += " It is not the study medicine of the trials I know."
    return text + " Your doctor can tell you whether it could suit you."


def what_happens_answer(trial: Trial) -> str:
    data = trial.data
    title = data.get("plain_title") or trial.title
    parts = [f"{trial.id} — {title}."]
    if data.get("what_happens"):
        parts.append(f"What happens: {data['what_happens']}")
    elif data.get("summary"):
        parts.append(data["summary"])
    parts.append(f"Visits: {data['visits']}." if data.get("visits")
                 else "The register record does not say how many visits there are; the study team can tell you.")
    return " ".join(parts)


def sites_answer(trial: Trial) -> str:
    sites = "; ".join(s.display() for s in trial.sites) or "no site is listed in the register record yet"
    recruitment = "; ".join(r.display() for r in trial.recruitment) or "not stated"
    return f"{trial.id}: sites — {sites}. Recruitment: {recruitment}."


def how_to_join_answer(trial: Trial, voice: str, relation: str | None) -> str:
    cities = ", ".join(dict.fromkeys(f"{s.city} ({s.country})" for s in trial.sites)) or "the sites in the register"
    if voice == "clinician":
        sponsor = trial.data.get("sponsor")
        if sponsor and trial.data.get("sponsor_verified") is False:
            sponsor += " (not stated by the register record; to be confirmed)"
        return (f"For {trial.id}: the study team at one of the sites ({cities}) decides on inclusion"
                + (f"; the sponsor is {sponsor}" if sponsor else "")
                + ". The register entry lists the official contacts; I don't hold any other contact details.")
    who = subject(voice, relation)
    doctor = "your doctor" if who == "the patient" and voice == "self" else f"{who}'s doctor"
    return (f"To ask about {trial.id}, talk to {doctor} (the specialist who knows the case) and give them "
            f"the register ID {trial.id}. They can contact the study team at one of the sites: {cities}. "
            f"{DECIDES} I can't make contact for you, and I don't have contact details beyond the sites listed.")


def fact_label(key: str) -> str:
    return FACTS[key].label if key in FACTS else key
