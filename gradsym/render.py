"""Rendering solutions through Jinja templates, and as JSON."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import sympy
from jinja2.sandbox import SandboxedEnvironment

from gradsym.derivation import MODES, Step
from gradsym.equivalence import Verdict
from gradsym.errors import GradsymError
from gradsym.numeric import as_float
from gradsym.printing import (
    name_latex,
    partial_latex,
    partial_text,
    point_text,
    to_latex,
    to_text,
)
from gradsym.report import Equation, Report, Table
from gradsym.solution import Solution

FORMATS = {"text": "txt", "markdown": "md", "latex": "tex"}

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bundled_templates() -> Path:
    packaged = resources.files("gradsym") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "templates"


_TYPOGRAPHY = {
    "\u2013": "--",
    "\u2014": "---",
    "\u2018": "`",
    "\u2019": "'",
    "\u201c": "``",
    "\u201d": "''",
    "\u2026": "\\ldots{}",
    "\u2212": "-",
}


def latex_text(text: str) -> str:
    """Escape plain text for LaTeX; characters pdflatex lacks become '?'.

    pdflatex with T1 fonts sets ASCII and Latin-1 reliably; beyond that
    only a few typographic marks are mapped.
    """
    return "".join(_latex_char(c) for c in text)


def _latex_char(c: str) -> str:
    if c in _LATEX_SPECIALS:
        return _LATEX_SPECIALS[c]
    if c in _TYPOGRAPHY:
        return _TYPOGRAPHY[c]
    if c == "\n" or c == "\t" or 32 <= ord(c) < 127 or 0xA0 <= ord(c) < 0x100:
        return c
    return "?"


# TeX primitives and commands that read or write files, run programs or
# redefine things: a problem statement may come from somebody else.
_UNSAFE_TEX = re.compile(
    r"\\(input|include|includeonly|write|immediate|openin|openout|read|readline|"
    r"special|catcode|def|edef|gdef|xdef|let|newcommand|renewcommand|"
    r"providecommand|csname|directlua|usepackage|documentclass|"
    r"makeatletter|loop|jobname|outer|output|everypar|shipout|newwrite|newread)"
    r"(?![A-Za-z])"
)


def safe_maths(maths: str) -> str:
    """Maths from a problem file with any file-touching TeX command disarmed."""
    maths = _UNSAFE_TEX.sub(lambda m: rf"\backslash\mathrm{{{m.group(1)}}}", maths)
    return maths.replace("filecontents", r"\mathrm{filecontents}")


def markdown_to_latex(markdown: str) -> str:
    """A problem statement (Markdown with $...$ maths) as LaTeX."""
    pieces = re.split(r"(\$\$.+?\$\$|\$.+?\$)", markdown, flags=re.S)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            display = piece.startswith("$$")
            body = safe_maths(piece[2:-2] if display else piece[1:-1])
            out.append(rf"\[{body}\]" if display else f"${body}$")
            continue
        piece = latex_text(piece)
        piece = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", piece)
        piece = re.sub(r"(?<![\\*])\*(?!\s)(.+?)\*", r"\\emph{\1}", piece)
        out.append(piece)
    return "".join(out)


def verdict_text(verdict: Verdict) -> str:
    if verdict.status == "equivalent":
        if verdict.decided_by == "symbolic":
            return "equivalent (proved symbolically)"
        return f"equivalent (agrees at {verdict.points} random points)"
    if verdict.status == "not-equivalent":
        example = verdict.counterexample
        if example is None:
            return f"not equivalent: {verdict.note}"
        return (
            f"not equivalent: at {point_text(example.point)} the claim gives "
            f"{example.left:.10g} but the derivative is {example.right:.10g}"
        )
    return f"undecided: {verdict.note}"


def factor_latex(expr: sympy.Expr) -> str:
    """``expr`` as a factor after a derivative: nothing for 1, brackets for sums."""
    if expr == 1:
        return ""
    text = to_latex(expr)
    if isinstance(expr, sympy.Add) or expr.could_extract_minus_sign():
        return rf"\left({text}\right)"
    return text


def agreement_text(verdict: Verdict) -> str:
    """How the modes compare, for one derivative."""
    if verdict.holds:
        how = (
            "proved symbolically"
            if verdict.decided_by == "symbolic"
            else f"at {verdict.points} random points"
        )
        return f"the modes agree ({how})"
    return f"the modes DISAGREE: {verdict_text(verdict)}"


def table_text(table: Table) -> str:
    """A table in plain text, columns padded to line up."""
    cells = [list(table.header)] + [list(row) for row in table.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


def rhs_latex(row: Equation) -> str:
    """The right side of an equation in LaTeX."""
    if isinstance(row.rhs, str):
        return row.rhs_tex if row.rhs_tex is not None else latex_text(row.rhs)
    return to_latex(row.rhs)


def _number(value: Any) -> str:
    return f"{as_float(value):.10g}"


def environment(extra: str | Path | None = None) -> jinja2.Environment:
    """Templates from ``extra`` first, then gradsym's own."""
    folders = [str(bundled_templates())]
    if extra is not None:
        if not Path(extra).is_dir():
            raise GradsymError(f"--templates {extra}: no such folder.")
        folders.insert(0, str(extra))
    # Sandboxed: a --templates folder may come from somebody else.
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        tex=to_latex,
        text=to_text,
        factor_tex=factor_latex,
        name_tex=name_latex,
        latex_text=latex_text,
        statement_tex=markdown_to_latex,
        verdict=verdict_text,
        agreement=agreement_text,
        number=_number,
        point=point_text,
        table_text=table_text,
        rhs_tex=rhs_latex,
    )
    env.globals.update(dtex=partial_latex, dtext=partial_text, shown=_shown_steps)
    return env


def _shown_steps(solution: Solution, mode: str) -> list[Step]:
    """The steps a worked solution shows: the main sweeps of the mode."""
    problem = solution.problem
    derivation = solution.derivations[mode]
    if mode == "reverse":
        seeds = {problem.output}
    else:  # forward sweeps from the inputs and parameters, if any are wanted
        leaves = set(problem.wrt) & set(problem.graph.leaves)
        seeds = leaves or set(problem.wrt)
    return [
        step
        for sweep in derivation.sweeps
        if sweep.seed in seeds
        for step in sweep.steps
    ]


def render(template: str, extra: str | Path | None = None, **context: Any) -> str:
    try:
        return environment(extra).get_template(template).render(**context)
    except jinja2.TemplateNotFound as error:
        raise GradsymError(f"No template named {error.name!r}.") from None
    except jinja2.TemplateSyntaxError as error:
        raise GradsymError(
            f"Template {error.filename or error.name}, line {error.lineno}: "
            f"{error.message}."
        ) from None
    except jinja2.TemplateError as error:  # undefined names, the sandbox
        message = (error.message or "").rstrip(".")
        raise GradsymError(f"Template error{_where(error)}: {message}.") from None
    except RecursionError:
        raise GradsymError("A template calls itself without end.") from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        # Raised by an expression inside a template, e.g. {{ 1/0 }}.
        raise GradsymError(
            f"Template error{_where(error)}: {type(error).__name__}: {error}."
        ) from None


def _where(error: BaseException) -> str:
    """' in FILE, line N' for the template frame an error came from, if any."""
    traceback = error.__traceback__
    place = ""
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_filename.endswith(".j2"):
            place = f" in {code.co_filename}, line {traceback.tb_lineno}"
        traceback = traceback.tb_next
    return place


def render_solution(
    solution: Solution | Report,
    fmt: str,
    modes: tuple[str, ...] = MODES,
    templates: str | Path | None = None,
) -> str:
    """One worked solution in ``fmt`` (text, markdown or latex)."""
    name = "report" if isinstance(solution, Report) else "solution"
    return render(
        f"{name}.{FORMATS[fmt]}.j2",
        templates,
        solution=solution,
        problem=solution.problem,
        modes=modes,
    )


def render_sheet(
    solutions: list[Solution | Report],
    fmt: str,
    templates: str | Path | None = None,
    title: str = "",
) -> str:
    """A whole solution sheet: a Markdown page or a complete LaTeX document."""
    return render(
        f"sheet.{FORMATS[fmt]}.j2",
        templates,
        solutions=solutions,
        modes=MODES,
        title=title,
    )


# -- JSON -------------------------------------------------------------------


def _expr(expr: sympy.Expr | None) -> str | None:
    return None if expr is None else to_text(expr)


def _verdict(verdict: Verdict) -> dict[str, Any]:
    example = verdict.counterexample
    return {
        "verdict": verdict.status,
        "decided_by": verdict.decided_by,
        "points": verdict.points,
        "counterexample": None
        if example is None
        else {
            "point": example.point,
            "claimed": example.left,
            "derived": example.right,
        },
        **({"note": verdict.note} if verdict.note else {}),
    }


def claims_json(solution: Solution | Report) -> list[dict[str, Any]]:
    if isinstance(solution, Report):
        return [
            {
                "problem": solution.problem.id,
                "label": check.label,
                "value": check.claimed,
                "derived": check.derived,
                **_verdict(check.verdict),
            }
            for check in solution.checks
        ]
    return [
        {
            "problem": solution.problem.id,
            "of": check.claim.of,
            "wrt": check.claim.wrt,
            "value": check.claim.text,
            "derived": _expr(check.derived),
            **_verdict(check.verdict),
        }
        for check in solution.claims
    ]


def verdicts_json(solution: Solution | Report) -> list[dict[str, Any]]:
    """Every claim and check, and every comparison of the modes that failed."""
    verdicts = claims_json(solution)
    if isinstance(solution, Solution):
        verdicts += [
            {
                "problem": solution.problem.id,
                "label": "the modes agree",
                "of": d.of,
                "wrt": d.wrt,
                "value": None,
                "derived": to_text(d.value),
                **_verdict(d.agreement),
            }
            for d in solution.derivatives
            if not d.agreement.holds
        ]
    return verdicts


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "of": step.of,
        "wrt": step.wrt,
        "value": to_text(step.value),
        "terms": [
            {
                "known": list(term.known),
                "local": list(term.local),
                "local_value": to_text(term.local_value),
                "rule": term.rule,
            }
            for term in step.terms
        ],
    }


def report_json(report: Report) -> dict[str, Any]:
    problem = report.problem
    return {
        "id": problem.id,
        "title": problem.title,
        "kind": problem.kind,
        "results": report.data,
        "claims": claims_json(report),
    }


def solution_json(solution: Solution | Report) -> dict[str, Any]:
    if isinstance(solution, Report):
        return report_json(solution)
    problem = solution.problem
    steps: dict[str, Any] = {}
    for mode, derivation in solution.derivations.items():
        if derivation.skipped:
            steps[mode] = {"skipped": derivation.skipped}
        elif mode == "direct":
            steps[mode] = [
                {
                    "of": of,
                    "wrt": wrt,
                    "expression": to_text(expr),
                    "value": to_text(derivation.direct_results[(of, wrt)]),
                }
                for (of, wrt), expr in derivation.expressions.items()
            ]
        else:
            steps[mode] = [
                {"seed": sweep.seed, "steps": [_step_json(s) for s in sweep.steps]}
                for sweep in derivation.sweeps
            ]
    result: dict[str, Any] = {
        "id": problem.id,
        "title": problem.title,
        "output": problem.output,
        "derivatives": [
            {
                "of": d.of,
                "wrt": d.wrt,
                "value": to_text(d.value),
                "expanded": _expr(d.expanded),
                "modes": {m: _expr(v) for m, v in d.modes.items()},
                "agree": d.agreement.holds,
                "decided_by": d.agreement.decided_by,
            }
            for d in solution.derivatives
        ],
        "steps": steps,
        "claims": claims_json(solution),
    }
    if solution.mode_cost:
        result["mode_cost"] = [vars(c) for c in solution.mode_cost]
    if solution.directional is not None:
        result["directional_check"] = _verdict(solution.directional)
    if solution.evaluation is not None:
        evaluation = solution.evaluation
        result["at"] = {
            "point": {k: as_float(v) for k, v in evaluation.point.items()},
            "nodes": {k: as_float(v) for k, v in evaluation.nodes.items()},
            "derivatives": [
                {"of": of, "wrt": wrt, "value": as_float(v)}
                for (of, wrt), v in evaluation.derivatives.items()
            ],
        }
    return result
