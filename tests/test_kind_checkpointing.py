"""Kind ``checkpointing`` (problem 7.11): schedules executed, counted and checked."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import mpmath
import pytest
from click.testing import CliRunner

from gradsym.cli import cli
from gradsym.kinds import checkpointing as ck
from gradsym.problems import load, loads
from gradsym.render import render_solution, solution_json

DATA = Path(__file__).parent / "data" / "kind_checkpointing.yaml"


def problem(**keys: object):
    lines = "".join(f"    {key}: {value}\n" for key, value in keys.items())
    text = 'problems:\n  - id: "c"\n    title: t\n    kind: checkpointing\n' + lines
    return loads(text, "test").problems[0]


@pytest.fixture(scope="module")
def report_7_11():
    return ck.solve(load(DATA).get("7.11"))


def network(layers: int, seed: int = 3, activation: str = "tanh") -> ck.Network:
    return ck.random_network(layers, activation, seed)


# -- the bundled problem -----------------------------------------------------------


def test_7_11_every_check_holds(report_7_11):
    assert report_7_11.agree
    assert len(report_7_11.checks) == 8


def test_7_11_counts_against_plain_backpropagation(report_7_11):
    methods = report_7_11.data["methods"]
    # plain: all 50 pre-activations, one forward pass, one step per layer
    assert methods["plain"] == {
        "stored_at_most": 50,
        "evaluations": 50,
        "backward_steps": 50,
    }
    # 4 checkpoints + 9 recomputed values; 50 + 5 segments * 9 recomputed
    assert methods["checkpointed"] == {
        "stored_at_most": 13,
        "evaluations": 95,
        "backward_steps": 50,
    }
    # the last segment kept: 4 + 10 values (f_41..f_50); 50 + 4 * 9
    assert methods["keep-last"] == {
        "stored_at_most": 14,
        "evaluations": 86,
        "backward_steps": 50,
    }


def test_7_11_schedule_runs_segments_from_the_last(report_7_11):
    schedule = report_7_11.data["schedule"]
    assert [s["layers"] for s in schedule] == [
        [41, 50],
        [31, 40],
        [21, 30],
        [11, 20],
        [1, 10],
    ]
    assert [s["recomputed"] for s in schedule] == [9] * 5
    # checkpoints below the segment (4, 3, 2, 1, 0) plus its 9 values
    assert [s["held"] for s in schedule] == [13, 12, 11, 10, 9]


def test_7_11_intervals_that_divide_fifty(report_7_11):
    rows = {
        row["every"]: (row["stored_at_most"], row["evaluations"])
        for row in report_7_11.data["intervals"]
    }
    assert rows == {
        1: (50, 50),
        2: (26, 75),
        5: (13, 90),
        10: (13, 95),
        25: (25, 98),
        50: (49, 99),
    }


def test_7_11_gradient_has_every_parameter(report_7_11):
    gradient = report_7_11.data["gradient"]
    assert len(gradient) == 101
    assert {f"omega_{k}" for k in range(1, 51)} <= gradient.keys()
    assert "x" in gradient


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_7_11_renders(report_7_11, fmt):
    text = render_solution(report_7_11, fmt)
    assert "13" in text and "95" in text
    if fmt == "latex":
        assert "\\begin{tabular}" in text


def test_7_11_json(report_7_11):
    data = json.loads(json.dumps(solution_json(report_7_11)))
    assert data["kind"] == "checkpointing"
    assert data["results"]["methods"]["checkpointed"]["evaluations"] == 95
    assert all(claim["verdict"] == "equivalent" for claim in data["claims"])


# -- the simulator against hand counts ------------------------------------------------


@pytest.mark.parametrize(
    "layers, every, keep_last, peak, evaluations",
    [
        (12, 3, False, 5, 20),  # n = 4: 3 checkpoints + 2 recomputed; 12 + 4 * 2
        (12, 3, True, 6, 18),  # 3 checkpoints + f_10, f_11, f_12; 12 + 3 * 2
        (12, 12, False, 11, 23),  # no checkpoint: f_1..f_11 recomputed from x
        (12, 12, True, 12, 12),  # keeping the only segment is plain backprop
        (12, 1, False, 12, 12),  # every value a checkpoint: plain backprop
        (12, 2, False, 7, 18),  # forward pass peaks: 5 checkpoints, f_11, f_12
        (50, 5, False, 13, 90),
        (200, 10, False, 28, 380),
    ],
)
def test_counts_by_hand(layers, every, keep_last, peak, evaluations):
    run = ck.checkpointed(network(layers), every, keep_last)
    assert (run.peak, run.evaluations, run.backward_steps) == (
        peak,
        evaluations,
        layers,
    )
    assert ck.closed_form(layers, every, keep_last) == (peak, evaluations)
    assert run.live == {}  # everything freed at the end


def test_plain_backpropagation_counts():
    run = ck.plain(network(30))
    assert (run.peak, run.evaluations, run.backward_steps) == (30, 30, 30)


def test_simulator_refuses_a_missing_value():
    run = ck.Run(network(5))
    run.evaluate(1)
    run.evaluate(2)
    run.free(1)
    with pytest.raises(KeyError):
        run.free(1)  # already gone
    with pytest.raises(AssertionError, match="f_3"):
        run.evaluate(4)


# -- gradients -----------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "sin"])
def test_checkpointed_gradients_are_bit_identical(activation):
    with mpmath.workdps(ck.DIGITS):
        net = network(20, seed=11, activation=activation)
        plain = ck.plain(net).gradient
        for every in (1, 2, 4, 5, 10, 20):
            for keep_last in (False, True):
                other = ck.checkpointed(net, every, keep_last).gradient
                assert other.keys() == plain.keys()
                assert all(other[name] == plain[name] for name in plain)


def _loss(omega, beta, x, y):
    """The chain network written again: h_0 = x, f_k = b_k + w_k h_{k-1}."""
    h = x
    for k, (w, b) in enumerate(zip(omega, beta, strict=True)):
        f = b + w * h
        h = mpmath.tanh(f) if k < len(omega) - 1 else f
    return (h - y) ** 2


def test_gradient_matches_central_differences():
    with mpmath.workdps(ck.DIGITS):
        net = network(8, seed=5)
        gradient = ck.checkpointed(net, 4).gradient
        omega, beta = list(net.omega[1:]), list(net.beta[1:])
        step = mpmath.mpf("1e-15")
        for k in range(8):
            for name, values in (("omega", omega), ("beta", beta)):
                up, down = list(values), list(values)
                up[k] += step
                down[k] -= step
                pair = (
                    ((up, beta), (down, beta))
                    if name == "omega"
                    else ((omega, up), (omega, down))
                )
                slope = (
                    _loss(*pair[0], net.x, net.y) - _loss(*pair[1], net.x, net.y)
                ) / (2 * step)
                assert abs(slope - gradient[f"{name}_{k + 1}"]) < mpmath.mpf("1e-20"), (
                    name,
                    k,
                )


def test_a_wrong_recomputation_would_be_caught(monkeypatch):
    # recomputation that is not exact (like dropout drawing a new mask): the
    # bit-for-bit checks must fail
    evaluate = ck.Run.evaluate

    def noisy(self, k):
        again = k in self.values
        evaluate(self, k)
        if again:
            self.live[k] *= 1 + mpmath.mpf("1e-40")
            self.values[k][-1] = self.live[k]

    monkeypatch.setattr(ck.Run, "evaluate", noisy)
    report = ck.solve(problem(layers=50, every=10))
    failed = {check.label for check in report.checks if not check.verdict.holds}
    assert failed == {
        "checkpointed gradient equals plain backpropagation's bit for bit",
        "keep-last gradient equals plain backpropagation's bit for bit",
        "every recomputed pre-activation equals its forward-pass value",
    }


# -- settings, claims and errors -------------------------------------------------


def test_defaults_and_settings_are_frozen():
    settings = problem().settings
    assert (settings.layers, settings.every, settings.activation, settings.seed) == (
        50,
        10,
        "tanh",
        7,
    )
    with pytest.raises(AttributeError):
        settings.layers = 3


def test_largest_network_solves_quickly():
    start = time.perf_counter()
    report = ck.solve(problem(layers=200, every=8, activation="sin"))
    assert time.perf_counter() - start < 2.0
    assert report.agree
    assert report.data["methods"]["checkpointed"]["evaluations"] == 400 - 25


@pytest.mark.parametrize(
    "every, peak, where",
    [
        (1, 50, "plain backpropagation: 50 values"),
        (2, 26, "peaks at the end of the forward pass"),
        (50, 49, "keeps no checkpoint"),
    ],
)
def test_edge_intervals(every, peak, where):
    report = ck.solve(problem(every=every))
    assert report.agree
    assert report.data["methods"]["checkpointed"]["stored_at_most"] == peak
    assert where in render_solution(report, "text")


def test_long_schedule_table_is_shortened():
    report = ck.solve(problem(layers=60, every=2))
    table = [b for b in report.blocks if b.kind == "table"][0]
    assert len(table.rows) == ck.SHOWN_SEGMENTS + 1
    assert table.rows[ck.SHOWN_SEGMENTS // 2][0] == "..."


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_of_the_problem_file_exits_0():
    result = invoke("check", "--problems", str(DATA))
    assert result.exit_code == 0, result.output


def write(tmp_path: Path, line: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(
        textwrap.dedent("""\
        problems:
          - id: "7.11"
            title: t
            kind: checkpointing
        """)
        + f"    {line}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "line, column_of, words",
    [
        ("layers: 1", "1", "between 2 and 200"),
        ("layers: 201", "201", "between 2 and 200"),
        ("layers: many", "many", "whole number"),
        ("every: 7", "7", "must divide 'layers'"),
        ("every: 0", "0", "between 1 and 200"),
        ("activation: relu", "relu", "tanh, sin"),
        ("seed: -1", "-1", "between 0"),
        ("claims: 5", "5", "mapping"),
        ("claims: {stored: x}", "x", "whole number"),
        # an unknown key is pointed at itself, a bad value at the value
        ("claims: {peak: 3}", "peak", "Unknown key 'peak'"),
        ("width: 3", "width", "Unknown key 'width'"),
    ],
)
def test_bad_values_give_one_line_with_line_and_column(
    tmp_path, line, column_of, words
):
    result = invoke("check", "--problems", str(write(tmp_path, line)))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradsym: error: ")
    place = re.search(r"bad\.yaml:(\d+):(\d+)", lines[0])
    assert place, lines[0]
    column = len("    ") + line.index(column_of) + 1
    assert (int(place[1]), int(place[2])) == (5, column)
    assert words in lines[0]


def test_right_claims_pass_and_a_wrong_claim_exits_1(tmp_path):
    right = invoke(
        "check",
        "--problems",
        str(write(tmp_path, "claims: {stored: 13, evaluations: 95}")),
    )
    assert right.exit_code == 0, right.output
    # the naive answer: 5 checkpoints plus a whole segment of 10, and every
    # segment recomputed in full
    wrong = invoke(
        "check",
        "--problems",
        str(write(tmp_path, "claims: {stored: 15, evaluations: 100}")),
    )
    assert wrong.exit_code == 1
    assert wrong.output.count("✗") == 2
    assert "the claim '15' does not hold" in wrong.output


def test_random_seeds_all_agree():
    for seed in random.Random(1).sample(range(10**6), 3):
        assert ck.solve(problem(layers=30, every=6, seed=seed)).agree


@pytest.mark.skipif(
    shutil.which("pdflatex") is None,
    reason="pdflatex is not installed (Debian: apt-get install "
    "texlive-latex-base texlive-latex-recommended)",
)
def test_latex_sheet_of_the_three_problems_compiles(tmp_path):
    sheet = tmp_path / "sheet.tex"
    result = invoke(
        "sheet", "--problems", str(DATA), "--format", "latex", "-o", str(sheet)
    )
    assert result.exit_code == 0, result.output
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "sheet.pdf").stat().st_size > 0
