"""The `trialbot` command: quick match for clinicians, catalogue tools and staff scenarios."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import exc as sa_exc

from bot.catalog import store
from bot.catalog.lint import lint_catalogue
from bot.catalog.trial import CatalogError, read_directory
from bot.facts import FACTS, ValueRefused
from bot.matching import NOT_FITTING_LISTED, MatchReport
from bot.nlp import extract
from bot.profile import profile_from_mapping
from bot.registry.check import check_line
from bot.registry.criteria_parser import parse_line
from bot.retention import DEFAULT_RETENTION, compact, purge, retention_days
from bot.scenarios import ScenarioFileError, run_file
from bot.search import MAX_CHECKED, Catalogue

TRIALS_DIR = store.ROOT / "trials"
# The embedded profile's tracker store (endpoints.yml); the production profile sets TRIALBOT_TRACKER_URL.
TRACKER_URL = f"sqlite:///{store.ROOT / 'var' / 'conversations.db'}"
VERDICT_WORDS = {"eligible": "may fit (study team decides)", "possible": "may fit, details missing",
                 "ineligible": "does not fit"}


def _fail(message: str, code: int = 2) -> int:
    print(f"trialbot: {message}", file=sys.stderr)
    return code


def open_catalogue(directory: Path = TRIALS_DIR, statement_seconds: float | None = None) -> Catalogue:
    """The curated trial files, and the imported trials the database holds beside them.

    The files are the reviewed source of truth, so they are read even when the database has not been loaded
    since they changed; an imported trial with the id of a curated file is left out. A SQLite file that does
    not exist yet means no imported trials; any other database must be reachable. statement_seconds bounds each
    read on PostgreSQL (the database is brought up to date first, without the bound).
    """
    curated = read_directory(directory)
    url = store.database_url()
    engine = None
    if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists():
        try:
            engine = store.engine_for()
            store.prepare(engine)
            if statement_seconds is not None:
                engine.dispose()
                engine = store.engine_for(statement_seconds=statement_seconds)
        except store.CatalogUnavailable:
            if not url.startswith("sqlite"):
                raise
            engine = None
    return Catalogue(curated, engine)


def _profile_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueRefused("profile", f"cannot read profile file {path}: {error}") from None
    if not isinstance(data, dict):
        raise ValueRefused("profile", f"profile file {path} must hold a mapping of facts")
    return data.get("profile", data)


def cmd_match(args: argparse.Namespace) -> int:
    if args.only_country and not args.country:
        return _fail("--only-country needs --country")
    problems: list[ValueRefused] = []
    speaker = None
    try:
        if args.profile:
            profile = profile_from_mapping(_profile_file(Path(args.profile)))
        else:
            text = " ".join(args.text) if args.text else sys.stdin.read()
            if not text.strip():
                return _fail("give the patient description as text, or --profile FILE")
            extraction = extract(text)
            profile, problems, speaker = extraction.profile, extraction.problems, extraction.speaker
        catalogue = open_catalogue()
        report = catalogue.match(profile, include_closed=args.all, country=args.country,
                                 only_country=args.only_country, other_conditions=args.other_conditions,
                                 max_checked=None if args.check_all else MAX_CHECKED)
    except ValueRefused as error:
        return _fail(error.message)
    except (CatalogError, store.CatalogUnavailable) as error:
        return _fail(f"the trial catalogue is not available: {error}")
    if args.json:
        out = report.to_dict(args.limit, args.offset)
        out["problems"] = [{"fact": p.fact, "message": p.message} for p in problems]
        if speaker:
            out["speaker"] = speaker
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(render_table(report, problems, 10 if args.limit is None else args.limit, args.offset))
    return 0


def render_table(report: MatchReport, problems: list[ValueRefused], limit: int = 10, offset: int = 0) -> str:
    """The trials that may fit from offset (at most limit), a few that do not fit with their reasons, and
    counts of everything left out, each with the option that shows it."""
    lines = ["Facts read: " + (json.dumps(report.profile.to_dict(), ensure_ascii=False) or "none")]
    lines += [f"Could not use: {p.message}" for p in problems]
    fitting, failing = report.fitting, report.not_fitting
    shown = fitting[offset:offset + limit]
    listed_failing = failing[:NOT_FITTING_LISTED] if offset == 0 else []
    lines.append("")
    if shown:
        lines.append(report.order_note)
    lines.append(f"{'trial':<20} {'verdict':<30} title")
    for result in shown + listed_failing:
        lines.append(f"{result.trial.id:<20} {VERDICT_WORDS[result.verdict]:<30} {result.trial.title[:70]}")
        for reason in result.reasons[:3] if result.verdict == "ineligible" else result.reasons[:2]:
            lines.append(f"{'':<20}   - {reason}")
        if result.verdict == "possible" and result.missing:
            missing = ", ".join(FACTS[key].label for key in result.missing)
            lines.append(f"{'':<20}   still unknown: {missing}")
        lines.append(f"{'':<20}   {'; '.join(r.display() for r in result.trial.recruitment)}")
    rest = len(fitting) - offset - len(shown)
    if rest > 0:
        lines.append(f"\n{rest} more trial{'s' if rest != 1 else ''} may fit "
                     f"(see them with --offset {offset + len(shown)}).")
    if len(failing) > len(listed_failing):
        lines.append(f"{len(failing) - len(listed_failing)} more trials do not fit (--json lists them all).")
    if report.other_conditions:
        lines.append(f"{report.other_conditions} trials registered only for other conditions were not checked "
                     "(use --other-conditions to check them).")
    if report.unchecked:
        lines.append(f"{report.unchecked} more trials passed the prefilter but were not checked: more facts narrow "
                     "the search (or use --check-all).")
    if report.closed_left_out:
        lines.append(f"{report.closed_left_out} trials closed to recruitment left out (use --all to see them).")
    if report.next_questions:
        lines.append("\nMost useful next questions:")
        for q in report.next_questions[:3]:
            lines.append(f"  - {q['question']} (matters for {q['trials']} trial{'s' if q['trials'] != 1 else ''})")
    lines.append("\nThis is not medical advice: a trial may fit, and only the study team decides.")
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    try:
        trials = read_directory(directory)
    except CatalogError as error:
        for problem in error.problems:
            print(f"invalid: {problem}", file=sys.stderr)
        return _fail(f"{len(error.problems)} problem(s); nothing was loaded", 1)
    criteria = sum(len(t.criteria) for t in trials)
    manual = sum(1 for t in trials for c in t.criteria if c.rule is None)
    print(f"{len(trials)} trials valid ({criteria} criteria: {criteria - manual} rules, {manual} manual checks)")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Errors fail (exit 1); warnings are listed for a reviewer."""
    try:
        trials = read_directory(Path(args.dir))
    except CatalogError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return _fail(f"{len(error.problems)} trial file(s) cannot be read", 1)
    findings = lint_catalogue(trials)
    if args.json:
        print(json.dumps([f.__dict__ for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding, file=sys.stderr if finding.level == "error" else sys.stdout)
    errors = sum(1 for f in findings if f.level == "error")
    summary = f"trials lint: {len(trials)} trials, {errors} error(s), {len(findings) - errors} warning(s)"
    print(summary, file=sys.stderr)
    return 1 if errors else 0


def cmd_load(args: argparse.Namespace) -> int:
    try:
        trials = read_directory(Path(args.dir))
        report = store.load(trials, store.engine_for())
    except CatalogError as error:
        for problem in error.problems:
            print(f"invalid: {problem}", file=sys.stderr)
        return _fail("nothing was loaded", 1)
    except store.CatalogUnavailable as error:
        return _fail(str(error))
    print(f"loaded into {store.safe_url(store.database_url())}: {len(report.added)} added, "
          f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, {len(report.removed)} removed")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    try:
        rows = store.summaries(store.engine_for())
    except store.CatalogUnavailable as error:
        return _fail(str(error))
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for row in rows:
        status = ", ".join(f"{r['status']} ({r['country']})" for r in row["recruitment"])
        print(f"{row['trial_id']:<20} {status:<40} {row['title'][:70]}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        doc = store.document(store.engine_for(), args.id)
    except store.CatalogUnavailable as error:
        return _fail(str(error))
    if doc is None:
        return _fail(f"no trial {args.id!r} in the catalogue", 1)
    if args.json:
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return 0


def _jsonl(path: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON line ({error.msg})") from None
    return rows


def cmd_criteria_parse(args: argparse.Namespace) -> int:
    """One line, or a file of lines (plain text, one per line), through the parser."""
    if args.lines:
        texts = [t for t in Path(args.lines).read_text(encoding="utf-8").splitlines() if t.strip()]
    elif args.line:
        texts = [" ".join(args.line)]
    else:
        return _fail("give a criterion line, or --lines FILE")
    for text in texts:
        parsed = parse_line(text, args.kind)
        if args.json:
            print(json.dumps(parsed.to_dict(), ensure_ascii=False))
        elif parsed.rule:
            print(f"{parsed.kind}: {parsed.text}\n  rule: {json.dumps(parsed.rule, ensure_ascii=False)}"
                  + (f"\n  partial ({parsed.partial}); also check: {parsed.also_check}" if parsed.partial else ""))
        else:
            print(f"{parsed.kind}: {parsed.text}\n  manual: {parsed.manual}")
    return 0


def cmd_criteria_check(args: argparse.Namespace) -> int:
    """A criterion tried against a description; --cases runs a JSON Lines file in one process."""
    try:
        cases = _jsonl(args.cases) if args.cases else [
            {"criterion": args.criterion, "kind": args.kind, "text": " ".join(args.description)}]
    except (OSError, ValueError) as error:
        return _fail(str(error))
    for number, case in enumerate(cases, start=1):
        if not case.get("criterion") or case.get("kind") not in ("inclusion", "exclusion"):
            return _fail(f"case {number}: needs 'criterion', 'kind' (inclusion or exclusion) and 'text'")
        result = check_line(case["criterion"], case["kind"], case.get("text") or "")
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(f"{result['result']}: {'; '.join(r for r in result['reasons'] if r)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Register records into the catalogue, beside the curated trials; --report prints the coverage."""
    from bot.registry.run_import import run

    try:
        report = run(args.register, args.paths, store.engine_for(), progress=not args.quiet)
    except store.CatalogUnavailable as error:
        return _fail(str(error))
    for problem in report.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    actions = ", ".join(f"{n} {a.replace('_', ' ')}" for a, n in sorted(report.actions.items())) or "nothing"
    print(f"import {args.register}: {actions}", file=sys.stderr)
    if args.report and args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    elif args.report:
        cov = report.coverage.to_dict()
        print(f"criterion lines: {cov['lines']}; rules: {cov['rules']}; partly: {cov['partial']}; "
              f"manual: {cov['manual']}; covered by a rule, wholly or partly: {cov['covered_share']}")
        print(f"lines that state no requirement of their own (lead-ins, pointers, 'not specified'): "
              f"{cov['structural_lines']}; covered share of the other lines: "
              f"{cov['covered_share_of_criterion_lines']}")
        print("rules by kind: " + ", ".join(f"{k} {n}" for k, n in cov["rules_by_kind"].items()))
        print("commonest reasons a line stays manual:")
        for reason, count in cov["manual_reasons"].items():
            print(f"  {count:>6}  {reason}")
        print(f"lint findings on imported trials: {dict(report.lint) or 'none'}")
        for trial_id, row in list(report.per_trial.items())[:args.show]:
            print(f"  {trial_id}: {row['lines']} lines, {row['rules']} rules, {row['partial']} partly, "
                  f"{row['manual']} manual ({row['action'].replace('_', ' ')})")
        if len(report.per_trial) > args.show:
            print(f"  … and {len(report.per_trial) - args.show} more trials (--json for all)")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    try:
        catalogue = open_catalogue()
    except (CatalogError, store.CatalogUnavailable) as error:
        return _fail(f"the trial catalogue is not available: {error}")
    failed = passed = 0
    for name in args.files:
        try:
            results = run_file(Path(name), catalogue.by_id)
        except ScenarioFileError as error:
            return _fail(str(error))
        for result in results:
            if result.passed:
                passed += 1
                continue
            failed += 1
            print(f"FAIL {name}: {result.name}")
            for failure in result.failures:
                print(f"    {failure}")
    print(f"scenarios: {passed} passed, {failed} failed")
    return 1 if failed else 0


def cmd_purge(args: argparse.Namespace) -> int:
    try:
        days = retention_days(args.older_than)
    except ValueError as error:
        return _fail(f"conversations purge: {error}")
    url = args.url or os.environ.get("TRIALBOT_TRACKER_URL") or TRACKER_URL
    try:
        conversations, events = purge(url, days)
    except sa_exc.SQLAlchemyError as error:
        return _fail(f"conversations purge: the tracker store cannot be reached ({type(error).__name__})", 1)
    print(f"conversations purge: deleted {conversations} conversation(s), {events} event(s), "
          f"idle for more than {days:g} days")
    if args.compact:
        done = compact(url)
        print("conversations purge: " + ("compacted the events table" if done else
              "did not compact (not PostgreSQL, no events table, or the table was busy: the next purge tries again)"))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="trialbot", description="Find clinical trials a patient may be able to join.")
    sub = top.add_subparsers(dest="command", required=True)

    m = sub.add_parser("match", help="match free text or a profile file against the catalogue")
    m.add_argument("text", nargs="*", help="free-text description of the patient")
    m.add_argument("--profile", help="YAML or JSON file of facts instead of text")
    m.add_argument("--json", action="store_true", help="one JSON object on stdout")
    m.add_argument("--all", action="store_true", help="include trials closed to recruitment")
    m.add_argument("--country", help="prefer trials with a site in this country")
    m.add_argument("--only-country", action="store_true",
                   help="with --country: leave out trials with no site there (trials with unknown sites stay)")
    m.add_argument("--other-conditions", action="store_true",
                   help="also check trials registered only for other conditions than the person's")
    m.add_argument("--check-all", action="store_true",
                   help=f"run the rules of every trial that passes the prefilter (else at most {MAX_CHECKED:,})")
    m.add_argument("--limit", type=int, help="trials that may fit shown (10 in the table, all in --json)")
    m.add_argument("--offset", type=int, default=0, help="skip this many trials that may fit (the next page)")
    m.set_defaults(func=cmd_match)

    t = sub.add_parser("trials", help="validate, load, list and show catalogue trials")
    tsub = t.add_subparsers(dest="action", required=True)
    v = tsub.add_parser("validate", help="check every trial file; nothing is loaded")
    v.add_argument("--dir", default=str(TRIALS_DIR))
    v.set_defaults(func=cmd_validate)
    li = tsub.add_parser("lint", help="check that rules say only what their lines say; exit 1 on errors")
    li.add_argument("--dir", default=str(TRIALS_DIR))
    li.add_argument("--json", action="store_true", help="the findings as a JSON list on stdout")
    li.set_defaults(func=cmd_lint)
    ld = tsub.add_parser("load", help="load trials/ into the database (DATABASE_URL) in one transaction")
    ld.add_argument("--dir", default=str(TRIALS_DIR))
    ld.set_defaults(func=cmd_load)
    ls = tsub.add_parser("list", help="list trials in the database")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    sh = tsub.add_parser("show", help="show one trial by any of its register ids")
    sh.add_argument("id")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    im = sub.add_parser("import", help="import register records (CT.gov API v2 JSON or zip, CTIS JSON)")
    im.add_argument("register", choices=("ctgov", "ctis"))
    im.add_argument("paths", nargs="+", help="files, folders, zips or glob patterns")
    im.add_argument("--report", action="store_true", help="print the parser's coverage, per trial and overall")
    im.add_argument("--json", action="store_true", help="with --report: the report as one JSON object")
    im.add_argument("--show", type=int, default=20, help="trials listed in the text report")
    im.add_argument("--quiet", action="store_true", help="no progress bar")
    im.set_defaults(func=cmd_import)

    c = sub.add_parser("criteria", help="the criteria parser: read a line, or try one against a description")
    csub = c.add_subparsers(dest="action", required=True)
    cp = csub.add_parser("parse", help="the rule the parser reads from a criterion line, or why it stays manual")
    cp.add_argument("line", nargs="*")
    cp.add_argument("--kind", choices=("inclusion", "exclusion"), default="inclusion")
    cp.add_argument("--lines", help="a file of criterion lines, one per line (JSON Lines out with --json)")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=cmd_criteria_parse)
    cc = csub.add_parser("check", help="met, not_met, unknown or manual for a description of a person")
    cc.add_argument("description", nargs="*")
    cc.add_argument("--criterion", help="the criterion line")
    cc.add_argument("--kind", choices=("inclusion", "exclusion"), default="inclusion")
    cc.add_argument("--cases", help="JSON Lines of {criterion, kind, text}: one result per line, in order")
    cc.add_argument("--json", action="store_true")
    cc.set_defaults(func=cmd_criteria_check)

    cv = sub.add_parser("conversations", help="the conversations the tracker store keeps")
    cvsub = cv.add_subparsers(dest="action", required=True)
    pg = cvsub.add_parser("purge", help="delete whole conversations idle for longer than the retention")
    pg.add_argument("--older-than", default=os.environ.get("TRIALBOT_RETENTION", DEFAULT_RETENTION),
                    help="retention, e.g. 30d or '2 weeks' (default: $TRIALBOT_RETENTION or 30 d)")
    pg.add_argument("--url", help="tracker store database URL (default: $TRIALBOT_TRACKER_URL or var/conversations.db)")
    pg.add_argument("--compact", action="store_true",
                    help="PostgreSQL: then rewrite the events table (VACUUM FULL), so no deleted conversation's "
                         "bytes stay in its free space")
    pg.set_defaults(func=cmd_purge)

    s = sub.add_parser("scenarios", help="run staff matching scenarios")
    ssub = s.add_subparsers(dest="action", required=True)
    run = ssub.add_parser("run", help="run scenario files; exit 1 on any failure")
    run.add_argument("files", nargs="+")
    run.set_defaults(func=cmd_scenarios)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
