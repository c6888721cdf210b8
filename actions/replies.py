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
from bot.i18n import Country, localise, marked, words
from bot.matching import NOT_FITTING_LISTED, MatchReport, TrialResult
from bot.vocab import vocabulary

MAX_SHOWN = 5
NOTHING_TO_ASK = marked("I have no more questions I can ask: what is still unknown is for the study team to check. "
                        "Here is the answer again.")
NO_MORE = marked("Those were all the trials that may fit. Tell me more about yourself and I can check again.")
DECIDES = marked("Only the study team can decide whether someone can take part.")
CLINICIAN_NOTE = marked("(Information only, not medical advice. I keep these facts for this conversation only; "
                        "say \"forget me\" to erase them.)")
FIT_WORDS = {"eligible": marked("may fit"), "possible": marked("may fit (some facts unknown)"),
             "ineligible": marked("does not fit")}
# Plain words for the medicine classes the catalogue's study drugs belong to.
CLASS_WORDS = {
    "il1_blocker": marked("it blocks interleukin-1, a messenger the immune system uses to drive inflammation"),
    "il6_blocker": marked("it blocks interleukin-6, a messenger the immune system uses to drive inflammation"),
    "tnf_blocker": marked("it blocks TNF-alpha, a messenger the immune system uses to drive inflammation"),
    "jak_inhibitor": marked("it blocks JAK enzymes, which pass on inflammation signals inside cells"),
    "cytoreductive": marked("it lowers the number of blood cells the bone marrow makes"),
    "corticosteroid": marked("it is a steroid that damps down inflammation"),
    "calcineurin_inhibitor": marked("it damps down the immune system"),
    "immunosuppressant": marked("it damps down the immune system"),
}


def _sentence_list(items: list[str]) -> str:
    return "; ".join(items)


def english_note(trial: Trial, lang: str) -> str | None:
    """Said once per trial when its texts exist only in English and the person reads another language."""
    title = trial.text("plain_title")
    if lang == "en" or (title is not None and title.has(lang)):
        return None
    _ = words(lang)
    return _("(The register gives this trial's texts in English only.)")


def trial_lines(result: TrialResult, lang: str = "en") -> str:
    """Everything a person needs about one trial that may fit."""
    _ = words(lang)
    data = localise(result.to_dict(), lang)
    lines = [data["plain_title"]]
    lines.append(_("Register ID: {id} (phase {phase})", id=data["trial_id"], phase=data["phase"]) if data.get("phase")
                 else _("Register ID: {id}", id=data["trial_id"]))
    note = english_note(result.trial, lang)
    if note:
        lines.append(note)
    why = [_("{label} ({reasons})", label=c["label"], reasons="; ".join(c["reasons"])) if c["reasons"] else c["label"]
           for c in data["criteria"] if c["status"] == "met" and c["kind"] == "inclusion"]
    clear = [c["label"] for c in data["criteria"] if c["status"] == "met" and c["kind"] == "exclusion"]
    if why:
        lines.append(_("Why it may fit: {reasons}.", reasons=_sentence_list(why)))
    if clear:
        lines.append(_("Checked, and not ruling it out: {items}.", items=", ".join(clear)))
    against = [_("{label} (the study team checks {what})", label=c["label"], what=c["to_check"])
               for c in data["criteria"] if c["open_against"]]
    if against:
        lines.append(_("Could still rule it out, which only the study team can check: {items}.",
                       items=_sentence_list(against)))
    if data["missing"]:
        lines.append(_("Still unknown: {items}.", items=", ".join(m["label"] for m in data["missing"])))
    elif not against:
        lines.append(_("Everything I could check is in favour; the study team still decides."))
    if data["study_team_checks"]:
        lines.append(_("The study team will check: {items}.", items=_sentence_list(data["study_team_checks"])))
    lines.append(_("Sites: {sites}.", sites=_sentence_list([s["display"] for s in data["sites"]])
                   or _("none listed in the register record yet")))
    lines.append(_("Recruitment: {when}.", when=_sentence_list([r["display"] for r in data["recruitment"]])
                   or _("not stated")))
    return "\n".join(lines)


def main_reason(result: TrialResult, lang: str = "en") -> str:
    _ = words(lang)
    failed = result.failed
    if not failed:
        return _("it does not fit")
    first = failed[0]
    label = localise(first.criterion.label, lang)
    detail = "; ".join(localise(first.reasons, lang))
    return _("{label} ({detail})", label=label, detail=detail) if detail else label


def doctor_words(voice: str, relation: str | None, lang: str = "en") -> str:
    """Whom a patient or caregiver asks: "your doctor", "your son's doctor"."""
    _ = words(lang)
    if voice != "caregiver" or relation is None:
        return _("your doctor")
    return _("{who}'s doctor", who=subject(voice, relation, lang))


def plain_summaries(report: MatchReport, page: list[TrialResult], voice: str,
                    relation: str | None, lang: str = "en") -> list[dict[str, Any]]:
    diagnoses = frozenset(report.profile.diagnoses.asserted)
    country = report.profile.get("country")
    return [plain.summary(r, diagnoses, country, doctor_words(voice, relation, lang), lang) for r in page]


def remaining_words(remaining: int, lang: str = "en") -> str:
    return words(lang).plural(
        "One more question would settle it: press \"Answer the remaining questions\" or say \"continue\".",
        "{count} more questions would settle it: press \"Answer the remaining questions\" or say \"continue\".",
        remaining)


def results_messages(report: MatchReport, offset: int = 0, voice: str = "clinician", relation: str | None = None,
                     remaining: int = 0, lang: str = "en") -> list[str]:
    """The answer: how the trials are ordered, the best that may fit, then briefly a few that do not, with the
    main reason, and counts of the rest. From offset on ("show more"): the next trials that may fit.

    A clinician gets every criterion with its numbers; a patient or caregiver the short plain summary.
    remaining: questions still open after a first answer, offered as a way to settle it."""
    _ = words(lang)
    fitting, not_fitting = report.fitting, report.not_fitting
    messages: list[str] = []
    if report.notice:
        messages.append(localise(report.notice, lang))
    page = fitting[offset:offset + MAX_SHOWN]
    if offset and page:
        messages.append(_("Trials {first} to {last} of the {count} that may fit.", first=offset + 1,
                          last=offset + len(page), count=len(fitting)) + " " + _(DECIDES))
    elif fitting:
        count = len(fitting)
        head = _.plural("Here is what I found: one trial that may fit.",
                        "Here is what I found: {count} trials that may fit.", count)
        order = " " + localise(report.order_note, lang) if count > 1 else ""
        messages.append(f"{head} {_(DECIDES)}{order}")
    elif report.results or report.ruled_out:
        messages.append(_("From what you told me, none of the open trials I know fits. "
                          "Your doctor may know of other studies."))
    else:
        messages.append(_("I don't know of any open trial at the moment. Your doctor may know of other studies."))
    if voice == "clinician":
        messages += [f"{number}. {trial_lines(result, lang)}" for number, result in enumerate(page, start=offset + 1)]
    else:
        summaries = plain_summaries(report, page, voice, relation, lang)
        messages += [plain.lines(number, result, summary, lang)
                     for number, (result, summary) in enumerate(zip(page, summaries, strict=True), start=offset + 1)]
    if page and remaining:
        messages.append(remaining_words(remaining, lang))
    rest = len(fitting) - offset - len(page)
    if rest > 0:
        messages.append(_.plural("…and 1 more trial that may fit: say \"show more\" to see the next ones, or tell me "
                                 "more about yourself to narrow the list.",
                                 "…and {count} more trials that may fit: say \"show more\" to see the next ones, or "
                                 "tell me more about yourself to narrow the list.", rest))
    if offset:
        return messages
    if not_fitting:
        shown = not_fitting[:NOT_FITTING_LISTED]
        lines = [f"- {r.trial.id} ({localise(r.trial.text('plain_title'), lang)}): {main_reason(r, lang)}"
                 for r in shown]
        more = ("\n" + _("…and {count} more.", count=len(not_fitting) - len(shown))
                if len(not_fitting) > len(shown) else "")
        messages.append(_("Trials that do not fit:") + "\n" + "\n".join(lines) + more)
    left_out = []
    if report.ruled_out:
        left_out.append(_.plural("1 more trial does not fit because of age, sex or diagnosis limits",
                                 "{count} more trials do not fit because of age, sex or diagnosis limits",
                                 report.ruled_out))
    if report.other_conditions:
        left_out.append(_.plural("1 trial studies other conditions than yours and I did not check",
                                 "{count} trials study other conditions than yours and I did not check",
                                 report.other_conditions))
    if report.unchecked:
        left_out.append(_.plural("1 more trial I have not checked yet: telling me more about yourself narrows the "
                                 "search",
                                 "{count} more trials I have not checked yet: telling me more about yourself "
                                 "narrows the search", report.unchecked))
    if left_out:
        messages.append("; ".join(left_out) + ".")
    return messages


def results_payload(report: MatchReport, offset: int = 0, voice: str = "clinician", relation: str | None = None,
                    remaining: int = 0, lang: str = "en") -> dict[str, Any]:
    """The same answer as data, for the widget: one page of trials that may fit in full (with the plain summary
    a patient's card shows), a few that do not (first page only), and counts of the rest. Every text in it is in
    the person's language (`lang`), as the widget shows it."""
    _ = words(lang)
    page = report.fitting[offset:offset + MAX_SHOWN]
    failing = report.not_fitting[:NOT_FITTING_LISTED] if not offset else []
    summaries = plain_summaries(report, page, voice, relation, lang)
    results = []
    for index, result in enumerate(page + failing):
        data = localise(result.to_dict(), lang)
        data["fit"] = _(FIT_WORDS[result.verdict])
        data["english_only"] = english_note(result.trial, lang) is not None
        if index < len(summaries):
            data["plain"] = summaries[index]
        results.append(data)
    return {"type": "trial_results", "lang": lang, "note": _(DECIDES), "order": localise(report.order_note, lang),
            "results": results, "audience": "clinician" if voice == "clinician" else "patient",
            "remaining_questions": remaining, "offset": offset,
            "next_questions": localise(report.next_questions, lang),
            "closed_trials_left_out": report.closed_left_out,
            "more_may_fit": max(0, len(report.fitting) - offset - len(page)),
            "more_do_not_fit": len(report.not_fitting) - len(failing) + report.ruled_out,
            "other_conditions_left_out": report.other_conditions}


def results_buttons(report: MatchReport, offset: int = 0, remaining: int = 0,
                    lang: str = "en") -> list[dict[str, str]]:
    _ = words(lang)
    buttons: list[dict[str, str]] = []
    fitting = report.fitting[offset:] or report.fitting
    if len(report.fitting) > offset + MAX_SHOWN:
        buttons.append({"title": _("Show more trials"), "payload": "/show_more"})
    if fitting:
        trial_id = fitting[0].trial.id
        entity = f'{{"trial_id": "{trial_id}"}}'
        buttons += [{"title": _("What happens in the study?"), "payload": f"/ask_what_happens{entity}"},
                    {"title": _("Where are the sites?"), "payload": f"/ask_sites{entity}"},
                    {"title": _("How can I take part?"), "payload": f"/ask_how_to_join{entity}"}]
        drugs = study_drugs(fitting[0].trial)
        if drugs:
            buttons.append({"title": _("What is {drug}?", drug=vocabulary().label(drugs[0])),
                            "payload": f"/ask_about_drug{entity}"})
    if remaining:
        buttons.append({"title": _("Answer the remaining questions"), "payload": "/continue_questions"})
    buttons += [{"title": _("Start over"), "payload": "/start_over"},
                {"title": _("Forget my data"), "payload": "/forget_me"}]
    return buttons


def study_drugs(trial: Trial) -> list[str]:
    return [i["drug"] for i in trial.data.get("interventions") or () if i.get("drug")]


def drug_answer(drug_id: str, trials: list[Trial], lang: str = "en") -> str:
    """What a medicine is, from the vocabulary, and how the given trials use it."""
    _ = words(lang)
    voc = vocabulary()
    drug = voc.drugs[drug_id]
    name = localise(voc.label(drug_id), lang)
    name = name[:1].upper() + name[1:]
    classes = [localise(voc.label(c), lang) for c in drug.classes if c in voc.classes]
    what = (_("{name} (brand name {brands}) is a medicine", name=name, brands=", ".join(drug.brands)) if drug.brands
            else _("{name} is a medicine", name=name))
    if classes:
        what = _("{what} ({classes})", what=what, classes=", ".join(classes))
    how = next((_(CLASS_WORDS[c]) for c in drug.classes if c in CLASS_WORDS), None)
    text = f"{what}: {how}." if how else f"{what}."
    uses = []
    for trial in trials:
        for item in trial.data.get("interventions") or ():
            if item.get("drug") == drug_id:
                given = ", ".join(x for x in (item.get("route"), item.get("dose")) if x)
                uses.append(_("In {id}: {how}.", id=trial.id, how=given) if given
                            else _("{id} studies it.", id=trial.id))
    if uses:
        text += " " + " ".join(uses)
    else:
        text += " " + _("It is not the study medicine of the trials I know.")
    return text + " " + _("Your doctor can tell you whether it could suit you.")


def what_happens_answer(trial: Trial, lang: str = "en") -> str:
    _ = words(lang)
    parts = [f"{trial.id} — {localise(trial.text('plain_title'), lang)}."]
    note = english_note(trial, lang)
    if note:
        parts.append(note)
    happens, summary, visits = (trial.text(name) for name in ("what_happens", "summary", "visits"))
    if happens:
        parts.append(_("What happens: {what}", what=localise(happens, lang)))
    elif summary:
        parts.append(localise(summary, lang))
    parts.append(_("Visits: {visits}.", visits=localise(visits, lang)) if visits
                 else _("The register record does not say how many visits there are; the study team can tell you."))
    return " ".join(parts)


def sites_answer(trial: Trial, lang: str = "en") -> str:
    _ = words(lang)
    sites = "; ".join(localise(s.display(), lang) for s in trial.sites) or _(
        "no site is listed in the register record yet")
    recruitment = "; ".join(localise(r.display(), lang) for r in trial.recruitment) or _("not stated")
    return _("{id}: sites — {sites}. Recruitment: {when}.", id=trial.id, sites=sites, when=recruitment)


def how_to_join_answer(trial: Trial, voice: str, relation: str | None, lang: str = "en") -> str:
    _ = words(lang)
    cities = ", ".join(dict.fromkeys(f"{s.city} ({localise(Country(s.country), lang)})" for s in trial.sites)) or _(
        "the sites in the register")
    if voice == "clinician":
        sponsor = trial.data.get("sponsor")
        if sponsor and trial.data.get("sponsor_verified") is False:
            sponsor = _("{sponsor} (not stated by the register record; to be confirmed)", sponsor=sponsor)
        text = (_("For {id}: the study team at one of the sites ({cities}) decides on inclusion; the sponsor is "
                  "{sponsor}.", id=trial.id, cities=cities, sponsor=sponsor) if sponsor
                else _("For {id}: the study team at one of the sites ({cities}) decides on inclusion.", id=trial.id,
                       cities=cities))
        return text + " " + _("The register entry lists the official contacts; I don't hold any other contact "
                              "details.")
    doctor = doctor_words(voice, relation, lang)
    return " ".join([
        _("To ask about {id}, talk to {doctor} (the specialist who knows the case) and give them the register ID "
          "{id}. They can contact the study team at one of the sites: {cities}.", id=trial.id, doctor=doctor,
          cities=cities),
        _(DECIDES),
        _("I can't make contact for you, and I don't have contact details beyond the sites listed.")])


def fact_label(key: str, lang: str = "en") -> str:
    return localise(FACTS[key].named, lang) if key in FACTS else key
