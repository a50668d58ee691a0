"""The LaTeX sheet compiles with pdflatex."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from gradsym.problems import load, loads
from gradsym.render import render_sheet
from gradsym.solution import solve, solve_problem

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(
    PDFLATEX is None,
    reason="pdflatex is not installed (Debian: apt-get install texlive-latex-base "
    "texlive-latex-recommended texlive-fonts-recommended)",
)


def compile_latex(tmp_path, text: str) -> None:
    source = tmp_path / "sheet.tex"
    source.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
    )
    log = result.stdout[-3000:]
    assert result.returncode == 0, log
    assert (tmp_path / "sheet.pdf").stat().st_size > 0
    assert "! " not in result.stdout, log


@needs_pdflatex
def test_sheet_of_all_bundled_problems_compiles(tmp_path):
    solutions = [solve_problem(p) for p in load().problems]
    compile_latex(tmp_path, render_sheet(solutions, "latex", title="Chapter 7"))


@needs_pdflatex
def test_sheet_with_special_characters_and_failed_claims_compiles(tmp_path):
    problem_set = loads(
        textwrap.dedent("""
        problems:
          - id: "ex_1#"
            title: "Odd & 100% $cost$ {braces} ~tilde^ back\\\\slash"
            statement: |
              A statement with 50% & $x^2$, a_b and #3 ~ {x}: café.

              $$y = \\max[a, b]$$
            inputs: [x, a_b]
            parameters: [w_1, lambda]
            graph:
              h: leaky_relu(w_1*x + a_b, lambda)
              g: max(h, x) + min(h, a_b) + abs(x) + heaviside(x) + rect(x) + indicator(0 <= x <= 1)
              k: tanh(g) + tan(x)/10 + sqrt(x**2 + 1) + log(1 + x**2)
              y: k**3 + pi*exp(-k) + sig(k)
            claims:
              - wrt: x
                value: "x"
              - of: h
                wrt: lambda
                value: "indicator(w_1*x + a_b <= 0)*(w_1*x + a_b)"
        """),
        "weird.yaml",
    )
    solutions = [solve(p) for p in problem_set.problems]
    assert [c.verdict.status for c in solutions[0].claims] == [
        "not-equivalent",
        "equivalent",
    ]
    text = render_sheet(solutions, "latex", title="T & 100% $ # _ { } ~ ^ \\ é")
    compile_latex(tmp_path, text)


@needs_pdflatex
def test_characters_pdflatex_lacks_do_not_break_the_sheet(tmp_path):
    # latex_text promises that characters pdflatex lacks become '?'; these
    # three (long s, n preceded by apostrophe, db digraph) are below U+0250
    solutions = [solve(load().get("7.4"))]
    compile_latex(tmp_path, render_sheet(solutions, "latex", title="Aufgabe ſ ŉ ȸ"))
