"""The command line: list, solve, check and sheet.

Exit codes: 0 success; 1 a claim or a mode comparison did not hold (check);
2 bad input or usage; 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gradsym import __version__
from gradsym.derivation import MODES
from gradsym.equivalence import Verdict
from gradsym.errors import GradsymError
from gradsym.expressions import nearest, parse
from gradsym.numeric import OffDomain, evaluate
from gradsym.problems import (
    AnyProblem,
    KindProblem,
    Problem,
    ProblemSet,
    load,
    parse_claim,
)
from gradsym.render import (
    render_sheet,
    render_solution,
    solution_json,
    verdict_text,
    verdicts_json,
)
from gradsym.report import Check, Report
from gradsym.solution import Solution, solve, solve_problem

F = TypeVar("F", bound=Callable[..., Any])

problems_option = click.option(
    "--problems",
    "problems_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Problem file to read (default: the bundled chapter-7 set).",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file (atomically) instead of standard output.",
)


def reports_errors(command: F) -> F:
    """Turn gradsym's errors into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except GradsymError as error:
            if debug:
                raise
            _die(f"error: {error}", 2)
        except RecursionError:
            if debug:
                raise
            _die(
                "error: an expression is nested too deeply to work with; split it "
                "into more graph nodes.",
                2,
            )
        except Exception as error:  # a bug in gradsym, not bad input
            if debug:
                raise
            _die(
                f"internal error: {type(error).__name__}: {error}. Run again with "
                "--debug for the traceback, and please report it.",
                3,
            )

    return wrapper  # type: ignore[return-value]


def _die(message: str, code: int) -> None:
    click.echo(f"gradsym: {message}", err=True)
    sys.exit(code)


def write_output(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` all at once or not at all."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    if not output:
        raise GradsymError("-o needs a file name.")
    target = Path(os.path.realpath(output))  # write through a symbolic link
    if target.exists() and not target.is_file():
        _write_special(target, text, output)  # /dev/null, a pipe: not replaced
        return
    folder = target.parent
    try:
        handle, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise GradsymError(f"Cannot write {output}: {error.strerror}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise GradsymError(f"Cannot write {output}: {error.strerror}.") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_special(target: Path, text: str, output: str) -> None:
    if target.is_dir():
        raise GradsymError(f"Cannot write {output}: it is a folder.")
    try:
        with target.open("w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as error:
        raise GradsymError(f"Cannot write {output}: {error.strerror}.") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def select(problem_set: ProblemSet, ids: tuple[str, ...]) -> list[AnyProblem]:
    if not ids:
        return list(problem_set.problems)
    return [problem_set.get(problem_id) for problem_id in ids]


def graph_problem(problem: AnyProblem, option: str) -> Problem:
    if not isinstance(problem, Problem):
        raise GradsymError(
            f"{option} works with graph problems only; problem "
            f"{problem.id} is of kind {problem.kind!r}."
        )
    return problem


def solve_any(
    problem: AnyProblem, claims: tuple[str, ...] = (), at: str | None = None
) -> Solution | Report:
    """Solve a problem of any kind; --claim and --at need a graph problem."""
    if claims:
        graph = graph_problem(problem, "--claim")
        own = tuple(parse_claim(text, graph) for text in claims)
        return solve(graph, claims=own)
    if at is not None:
        graph = graph_problem(problem, "--at")
        return solve(graph, at=parse_point(at, graph))
    return solve_problem(problem)


def parse_point(text: str, problem: Problem) -> dict[str, Any]:
    """'--at x=0.5,w=-1' as values for every input and parameter."""
    point: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value_text = item.partition("=")
        name = name.strip()
        if name in point:
            raise GradsymError(f"--at {text!r} gives {name} twice.")
        if not sep:
            raise GradsymError(
                f"--at {text!r}: {item!r} is not of the form NAME=VALUE."
            )
        if name not in problem.graph.leaves:
            raise GradsymError(
                f"--at {text!r}: {name!r} is not an input or parameter of problem "
                f"{problem.id}.{nearest(name, set(problem.graph.leaves))}"
            )
        try:
            value = parse(value_text)
        except GradsymError as error:
            raise GradsymError(f"--at {text!r}: {error}") from None
        try:
            point[name] = evaluate(value, {})
        except (KeyError, OffDomain, NotImplementedError):
            raise GradsymError(
                f"--at {text!r}: the value of {name} must be a real "
                "number such as 0.5 or pi/4."
            ) from None
    missing = [leaf for leaf in problem.graph.leaves if leaf not in point]
    if missing:
        raise GradsymError(
            f"--at {text!r} gives no value for {', '.join(missing)}; "
            f"problem {problem.id} needs a value for every input and "
            "parameter."
        )
    return point


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradsym")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def cli(debug: bool) -> None:
    """Derive, check and write up the gradients of neural networks.

    A problem, defined once in YAML, is differentiated three ways (directly,
    by reverse mode and by forward mode); gradsym proves the three agree,
    checks the answers people claimed, and writes the worked solution.
    """


@cli.command("list")
@problems_option
@reports_errors
def list_command(problems_file: str | None) -> None:
    """Show the id and title of every problem."""
    problem_set = load(problems_file)
    width = max(len(p.id) for p in problem_set.problems)
    for problem in problem_set.problems:
        click.echo(f"{problem.id:<{width}}  {problem.title}")


@cli.command("solve")
@click.argument("ids", nargs=-1, required=True)
@click.option(
    "--mode",
    type=click.Choice(["direct", "reverse", "forward", "all"]),
    default="all",
    show_default=True,
    help="Which derivation to show.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "latex", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--at",
    "at",
    default=None,
    metavar="NAME=VALUE,...",
    help="Also evaluate every node and derivative at this point.",
)
@output_option
@problems_option
@reports_errors
def solve_command(
    ids: tuple[str, ...],
    mode: str,
    fmt: str,
    at: str | None,
    output: str | None,
    problems_file: str | None,
) -> None:
    """Print the worked solution of each problem ID, such as 7.12.

    Every derivative is derived directly, by reverse mode and by forward mode,
    and the three are compared; the problem's claims are checked too.
    """
    problems = select(load(problems_file), ids)
    solutions = [solve_any(p, at=at) for p in problems]
    modes = MODES if mode == "all" else (mode,)
    if fmt == "json":
        documents = [solution_json(s) for s in solutions]
        payload = documents[0] if len(documents) == 1 else documents
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    else:
        text = "\n".join(render_solution(s, fmt, modes) for s in solutions)
    write_output(text, output)


@cli.command("check")
@click.argument("ids", nargs=-1)
@click.option(
    "--claim",
    "claims",
    multiple=True,
    metavar="[OF/]WRT=VALUE",
    help="Check this answer instead of the file's claims (one problem "
    "only); repeatable. OF defaults to the problem's output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
)
@output_option
@problems_option
@reports_errors
def check_command(
    ids: tuple[str, ...],
    claims: tuple[str, ...],
    fmt: str,
    output: str | None,
    problems_file: str | None,
) -> None:
    """Check that the modes agree and every claim holds (all problems by default).

    Exit status: 0 when everything is equivalent; 1 when any claim or mode
    comparison is not equivalent or undecided; 2 on bad input.
    """
    problems = select(load(problems_file), ids)
    if claims and len(problems) != 1:
        raise GradsymError(
            "--claim needs exactly one problem id, for example "
            "'gradsym check 7.12 --claim \"x=exp(x)\"'."
        )
    solutions = [solve_any(p, claims=claims) for p in problems]
    if fmt == "json":
        text = (
            json.dumps(
                [c for s in solutions for c in verdicts_json(s)],
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    elif fmt == "junit":
        text = junit(solutions)
    else:
        text = check_text(solutions)
    write_output(text, output)
    passed = all(s.agree and s.claims_hold for s in solutions)
    sys.exit(0 if passed else 1)


def check_text(solutions: list[Solution | Report]) -> str:
    lines = []
    counts = {"equivalent": 0, "not-equivalent": 0, "undecided": 0}
    for solution in solutions:
        problem = solution.problem
        lines.append(f"{problem.id}  {problem.title}")
        if isinstance(solution, Report):
            for fact in solution.checks:
                counts[fact.verdict.status] += 1
                lines.extend(_fact_lines(fact))
            continue
        lines.append(_agreement_line(solution))
        for d in solution.derivatives:
            if not d.agreement.holds:
                lines.append(f"      d{d.of}/d{d.wrt}: {verdict_text(d.agreement)}")
        if solution.directional is not None and not solution.directional.holds:
            lines.append(f"      J.v check: {verdict_text(solution.directional)}")
        for check in solution.claims:
            counts[check.verdict.status] += 1
            claim = f"d{check.claim.of}/d{check.claim.wrt} = {check.claim.text}"
            if check.verdict.holds:
                lines.append(f"  ✓ {claim}   [{_how(check.verdict)}]")
            else:
                lines.append(f"  ✗ {claim}")
                lines.append(f"      {verdict_text(check.verdict)}")
    total = sum(counts.values())
    summary = (
        f"{total} claim{'' if total == 1 else 's'}: "
        f"{counts['equivalent']} equivalent, "
        f"{counts['not-equivalent']} not equivalent, {counts['undecided']} undecided"
    )
    graphs = [s for s in solutions if isinstance(s, Solution)]
    if graphs:
        disagree = sum(not s.agree for s in graphs)
        summary += f"; modes disagree in {disagree} of {len(graphs)} graph problems"
    return "\n".join([*lines, "", summary + "."]) + "\n"


def _agreement_line(solution: Solution) -> str:
    """'✓ direct, reverse and forward mode agree on 6 derivatives', or how not."""
    modes = [m for m, d in solution.derivations.items() if not d.skipped]
    named = (
        ", ".join(modes[:-1]) + f" and {modes[-1]} mode"
        if len(modes) > 1
        else (f"{modes[0]} mode")
    )
    if solution.directional is not None:
        named += " (forward mode checked along one direction, J.v)"
    count = len(solution.derivatives)
    what = f"{count} derivative{'' if count == 1 else 's'}"
    verdicts = [d.agreement.status for d in solution.derivatives]
    if solution.agree:
        return f"  ✓ {named} agree on {what}"
    if "not-equivalent" in verdicts:
        return f"  ✗ {named} DISAGREE on {what}"
    return f"  ✗ could not decide whether {named} agree on {what}"


def _fact_lines(fact: Check) -> list[str]:
    if fact.verdict.holds:
        return [f"  ✓ {fact.label}: {fact.derived}   [{_how(fact.verdict)}]"]
    lines = [f"  ✗ {fact.label}: {fact.derived}"]
    if fact.claimed is not None:
        lines.append(f"      the claim {fact.claimed!r} does not hold")
    if fact.verdict.note:
        lines.append(f"      {fact.verdict.note}")
    return lines


def _how(verdict: Verdict) -> str:
    if verdict.decided_by == "symbolic":
        return "symbolic"
    plural = "" if verdict.points == 1 else "s"
    return f"numeric, {verdict.points} point{plural}"


def junit(solutions: list[Solution | Report]) -> str:
    """JUnit XML: one suite per problem, one case per claim and one for the modes."""
    suites = ElementTree.Element("testsuites", name="gradsym")
    for solution in solutions:
        problem = solution.problem
        suite = ElementTree.SubElement(
            suites, "testsuite", name=f"problem {problem.id}"
        )
        cases = (
            _report_cases(solution)
            if isinstance(solution, Report)
            else [
                (
                    "modes agree",
                    solution.agree,
                    "; ".join(
                        f"d{d.of}/d{d.wrt}: {verdict_text(d.agreement)}"
                        for d in solution.derivatives
                        if not d.agreement.holds
                    ),
                )
            ]
        )
        if isinstance(solution, Solution):
            cases += [
                (
                    f"d{c.claim.of}/d{c.claim.wrt} = {c.claim.text}",
                    c.verdict.holds,
                    verdict_text(c.verdict),
                )
                for c in solution.claims
            ]
        failures = 0
        for name, holds, message in cases:
            case = ElementTree.SubElement(
                suite, "testcase", classname=problem.id, name=name
            )
            if not holds:
                failures += 1
                ElementTree.SubElement(case, "failure", message=message or "failed")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failures))
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _report_cases(report: Report) -> list[tuple[str, bool, str]]:
    return [
        (
            fact.label,
            fact.verdict.holds,
            f"derived {fact.derived}"
            + (f", claimed {fact.claimed}" if fact.claimed is not None else ""),
        )
        for fact in report.checks
    ]


@cli.command("sheet")
@click.argument("ids", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "latex"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--templates",
    "templates",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of templates that replace the bundled ones "
    "(sheet.md.j2, sheet.tex.j2, solution.*.j2, ...).",
)
@click.option("--title", default="Solutions", show_default=True)
@output_option
@problems_option
@reports_errors
def sheet_command(
    ids: tuple[str, ...],
    fmt: str,
    templates: str | None,
    title: str,
    output: str | None,
    problems_file: str | None,
) -> None:
    """Write a whole solution sheet (all problems by default)."""
    if templates is not None and not Path(templates).is_dir():
        raise GradsymError(f"--templates {templates}: no such folder.")
    problems = select(load(problems_file), ids)
    solutions = [solve_any(p) for p in problems]
    write_output(render_sheet(solutions, fmt, templates, title), output)


@cli.command("code")
@click.argument("problem_id", metavar="ID")
@output_option
@problems_option
@reports_errors
def code_command(
    problem_id: str, output: str | None, problems_file: str | None
) -> None:
    """Write the program of a coding problem, such as 7.16, as a Python file."""
    problem_set = load(problems_file)
    problem = problem_set.get(problem_id)
    if not isinstance(problem, KindProblem) or problem.kind != "code":
        coding = [
            p.id
            for p in problem_set.problems
            if isinstance(p, KindProblem) and p.kind == "code"
        ]
        raise GradsymError(
            f"Problem {problem_id} is not a coding problem; the coding problems "
            f"are: {', '.join(coding) or 'none'}."
        )
    from gradsym.kinds.code import program

    write_output(program(problem), output)


def main() -> None:
    """The entry point: usage errors too become one line and exit code 2."""
    try:
        cli.main(prog_name="gradsym", standalone_mode=False)
    except click.UsageError as error:
        hint = ""
        if error.ctx is not None:
            hint = f" Try '{error.ctx.command_path} --help'."
        _die(f"error: {error.format_message()}{hint}", 2)
    except click.ClickException as error:
        _die(f"error: {error.format_message()}", error.exit_code)
    except click.Abort:
        _die("interrupted.", 130)


if __name__ == "__main__":
    main()
