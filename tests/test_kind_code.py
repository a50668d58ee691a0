"""Kind ``code`` (problems 7.16, 7.17): generated PyTorch programs.

The programs are read with ``ast`` here independently of gradsym's own
reader, and, where PyTorch is installed, run for a few epochs.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradsym.cli import cli
from gradsym.errors import GradsymError
from gradsym.kinds import code
from gradsym.problems import load, loads
from gradsym.render import render_solution, solution_json

DATA = Path(__file__).parent / "data" / "kind_checkpointing.yaml"
EPOCH_LINE = re.compile(r"^epoch\s+(\d+)\s+loss\s+([0-9.eE+-]+)$", re.M)


def problem(**keys: object):
    lines = "".join(f"    {key}: {value}\n" for key, value in keys.items())
    text = 'problems:\n  - id: "c"\n    title: t\n    kind: code\n' + lines
    return loads(text, "test").problems[0]


@pytest.fixture(scope="module")
def problems():
    bundled = load(DATA)
    return {
        "7.16": bundled.get("7.16"),
        "7.17": bundled.get("7.17"),
        "sigmoid": problem(task="binary-classification", output="sigmoid"),
    }


@pytest.fixture(scope="module")
def reports(problems):
    return {key: code.solve(p) for key, p in problems.items()}


# -- the programs, read independently ---------------------------------------------


def sizes_and_classes(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """nn.Linear sizes (names resolved from D_i, D_k, D_o) and nn.* classes used."""
    tree = ast.parse(text)
    names: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
            values = ast.literal_eval(node.value)
            names.update(zip([t.id for t in node.targets[0].elts], values, strict=True))
    linear, classes = [], []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "nn"
        ):
            classes.append(node.func.attr)
            if node.func.attr == "Linear":
                linear.append(tuple(names[a.id] for a in node.args))
    return linear, classes


def keywords(text: str, function: str) -> dict[str, object]:
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(function):
            return {
                k.arg: ast.literal_eval(k.value)
                for k in node.keywords
                if isinstance(k.value, ast.Constant)
            }
    raise AssertionError(f"no call of {function}")


@pytest.mark.parametrize(
    "key, sizes, loss",
    [
        ("7.16", [(10, 40), (40, 40), (40, 5)], "MSELoss"),
        ("7.17", [(10, 40), (40, 40), (40, 1)], "BCEWithLogitsLoss"),
        ("sigmoid", [(10, 40), (40, 40), (40, 1)], "BCELoss"),
    ],
)
def test_program_layers_and_loss(problems, key, sizes, loss):
    text = code.program(problems[key])
    linear, classes = sizes_and_classes(text)
    assert linear == sizes
    assert loss in classes
    assert classes.count("ReLU") == 2
    assert ("Sigmoid" in classes) == (key == "sigmoid")
    assert len([c for c in classes if c.endswith("Loss")]) == 1


@pytest.mark.parametrize("key", ["7.16", "7.17", "sigmoid"])
def test_program_optimiser_schedule_and_options(problems, key):
    text = code.program(problems[key])
    assert keywords(text, "SGD") == {"lr": 0.1, "momentum": 0.9}
    assert keywords(text, "StepLR") == {"step_size": 10, "gamma": 0.5}
    assert keywords(text, "DataLoader")["shuffle"] is True
    assert "nn.init.kaiming_normal_(layer.weight)" in text
    assert "nn.init.zeros_(layer.bias)" in text
    tree = ast.parse(text)
    guard = [n for n in tree.body if isinstance(n, ast.If)]
    assert ast.unparse(guard[-1].test) == "__name__ == '__main__'"
    options = [
        ast.literal_eval(n.args[0])
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("add_argument")
    ]
    assert options == ["--epochs", "--plot", "--seed"]
    # matplotlib is never imported at module level
    top = [a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names]
    assert "torch" in top and not any(name.startswith("matplotlib") for name in top)
    assert max(len(line) for line in text.splitlines()) <= 79


def test_only_code_problems_have_a_program():
    other = load(DATA).get("7.11")
    with pytest.raises(GradsymError, match="kind 'checkpointing'"):
        code.program(other)


def test_settings_reach_the_program():
    text = code.program(problem(task="binary-classification", epochs=7, seed=3))
    defaults = {
        ast.literal_eval(n.args[0]): ast.literal_eval(
            [k for k in n.keywords if k.arg == "default"][0].value
        )
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("add_argument")
    }
    assert defaults == {"--epochs": 7, "--plot": "loss-binary.png", "--seed": 3}
    assert "(x.sum(dim=1, keepdim=True) > 0).float()" in text


# -- gradsym's report --------------------------------------------------------------


@pytest.mark.parametrize("key, count", [("7.16", 14), ("7.17", 17), ("sigmoid", 17)])
def test_every_check_holds(reports, key, count):
    assert reports[key].agree
    assert len(reports[key].checks) == count


def test_report_shows_the_program(reports, problems):
    blocks = [b for b in reports["7.16"].blocks if b.kind == "code"]
    assert len(blocks) == 1 and blocks[0].language == "python"
    assert blocks[0].text == code.program(problems["7.16"])


@pytest.mark.parametrize("key", ["7.16", "7.17"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_renders(reports, key, fmt):
    text = render_solution(reports[key], fmt)
    assert "kaiming_normal_" in text
    if fmt == "markdown":
        assert "```python" in text


def test_json(reports):
    data = json.loads(json.dumps(solution_json(reports["7.17"])))
    assert data["results"]["layers"] == [[10, 40], [40, 40], [40, 1]]
    assert data["results"]["loss"] == "BCEWithLogitsLoss"
    assert data["results"]["program"].startswith('"""Figure 7.8')


@pytest.mark.parametrize(
    "change, failing",
    [
        (
            ("momentum=0.9", "momentum=0.5"),
            ["SGD with learning rate 0.1 and momentum 0.9"],
        ),
        (("step_size=10", "step_size=5"), ["StepLR with step 10 and gamma 0.5"]),
        # D_o sets the last layer and the targets' shape
        (
            ("40, 5", "40, 4"),
            ["layer sizes 10-40-40-5", "random data of the right shapes"],
        ),
        (("nn.MSELoss()", "nn.L1Loss()"), ["the loss is MSELoss"]),
        (
            ("kaiming_normal_", "kaiming_uniform_"),
            ["weights Kaiming-normal, biases zero"],
        ),
        (
            ("        scheduler.step()  # per epoch: step_size counts epochs\n", ""),
            ["the learning-rate schedule steps once per epoch"],
        ),
        (
            ("            optimizer.zero_grad()\n", ""),
            ["each batch: zero_grad, backward, step"],
        ),
        (
            ("import argparse\n", "import argparse\nimport matplotlib\n"),
            ["matplotlib is imported only inside try/except ImportError"],
        ),
        (('if __name__ == "__main__":\n    main()\n', "main()\n"), ["a main guard"]),
    ],
)
def test_a_wrong_program_fails_its_check(monkeypatch, problems, change, failing):
    text = code.program(problems["7.16"])
    assert change[0] in text
    monkeypatch.setattr(code, "program", lambda p: text.replace(*change))
    report = code.solve(problems["7.16"])
    assert [c.label for c in report.checks if not c.verdict.holds] == failing


def test_scheduler_in_the_batch_loop_is_caught(monkeypatch, problems):
    text = code.program(problems["7.16"])
    moved = text.replace(
        "            total += loss.item()\n",
        "            total += loss.item()\n            scheduler.step()\n",
    )
    monkeypatch.setattr(code, "program", lambda p: moved)
    failed = [
        c.label for c in code.solve(problems["7.16"]).checks if not c.verdict.holds
    ]
    # the extra step() also breaks the order of the batch loop
    assert failed == [
        "each batch: zero_grad, backward, step",
        "the learning-rate schedule steps once per epoch",
    ]


def test_random_binary_targets_would_fail(monkeypatch, problems):
    text = code.program(problems["7.17"])
    changed = text.replace(
        "(x.sum(dim=1, keepdim=True) > 0).float()", "torch.rand(EXAMPLES, D_o)"
    )
    monkeypatch.setattr(code, "program", lambda p: changed)
    failed = [
        c.label for c in code.solve(problems["7.17"]).checks if not c.verdict.holds
    ]
    assert "the targets are binary: (comparison).float()" in failed


def test_a_syntax_error_is_a_failed_check_not_a_crash(monkeypatch, problems):
    monkeypatch.setattr(code, "program", lambda p: "def broken(:\n")
    report = code.solve(problems["7.16"])
    assert not report.agree
    assert report.checks[-1].label == "the program parses and compiles as Python"


def test_solves_quickly(problems):
    start = time.perf_counter()
    for key in ("7.16", "7.17"):
        code.solve(problems[key])
    assert time.perf_counter() - start < 2.0


# -- the command line ---------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_of_the_problem_file_exits_0():
    result = invoke("check", "--problems", str(DATA), "7.16", "7.17")
    assert result.exit_code == 0, result.output


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(
        textwrap.dedent("""\
        problems:
          - id: "7.16"
            title: t
            kind: code
        """)
        + "".join(f"    {line}\n" for line in lines),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "lines, words",
    [
        (["task: multiclass"], "regression, binary-classification"),
        (["epochs: 0"], "between 1 and 1000"),
        (["epochs: 1001"], "between 1 and 1000"),
        (["epochs: ten"], "whole number"),
        (["seed: -1"], "between 0"),
        (["task: binary-classification", "output: softmax"], "logits, sigmoid"),
        (["output: logits"], "'output' chooses how a binary classifier ends"),
        (["lr: 0.1"], "Unknown key 'lr'"),
    ],
)
def test_bad_values_give_one_line_with_line_and_column(tmp_path, lines, words):
    result = invoke("check", "--problems", str(write(tmp_path, *lines)))
    assert result.exit_code == 2, result.output
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("gradsym: error: ")
    place = re.search(r"bad\.yaml:(\d+):(\d+)", errors[0])
    assert place, errors[0]
    # an unknown key is pointed at itself, a bad value at the value
    key, value = lines[-1].split(": ", 1)
    target = key if "Unknown key" in words else value
    assert (int(place[1]), int(place[2])) == (
        4 + len(lines),
        len("    ") + lines[-1].index(target) + 1,
    )
    assert words in errors[0]


# -- running the programs (PyTorch only) -------------------------------------------

# One child process runs both programs as __main__, one after the other, so
# PyTorch is imported once.  For the first, matplotlib is blocked (an import
# of it raises ImportError) so the fallback is tested even where it exists.
DRIVER = """
import contextlib, io, json, runpy, sys
results = {}
for key, script, plot, block in json.loads(sys.argv[1]):
    if block:
        sys.modules["matplotlib"] = None
    elif "matplotlib" in sys.modules and sys.modules["matplotlib"] is None:
        del sys.modules["matplotlib"]
    sys.argv = [script, "--epochs", "5", "--plot", plot]
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as stop:
            code = stop.code or 0
    results[key] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def runs(problems, tmp_path_factory):
    """Both programs for 5 epochs in a child process."""
    pytest.importorskip(
        "torch",
        reason="PyTorch is not installed; "
        "pip install 'gradsym[torch]' to run "
        "the generated programs",
    )
    folder = tmp_path_factory.mktemp("programs")
    jobs = []
    for key, blocked in (("7.16", True), ("7.17", False)):
        script = folder / f"train_{key}.py"
        script.write_text(code.program(problems[key]), encoding="utf-8")
        jobs.append([key, str(script), str(folder / f"loss_{key}.png"), blocked])
    # one thread: the network is tiny, and on a busy machine idle threads
    # spinning in every backward pass cost seconds
    child = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(jobs)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    assert child.returncode == 0, child.stderr
    results = json.loads(child.stdout.strip().splitlines()[-1])
    return {key: (*results[key], folder / f"loss_{key}.png") for key in results}


@pytest.mark.parametrize("key", ["7.16", "7.17"])
def test_program_runs_and_the_loss_falls(runs, key):
    returncode, stdout, stderr, _ = runs[key]
    assert returncode == 0, stderr
    epochs = [(int(n), float(loss)) for n, loss in EPOCH_LINE.findall(stdout)]
    assert [n for n, _ in epochs] == [1, 2, 3, 4, 5]
    assert epochs[-1][1] < epochs[0][1]


def test_without_matplotlib_the_program_says_why_there_is_no_plot(runs):
    returncode, _, stderr, image = runs["7.16"]
    assert returncode == 0
    assert "matplotlib is not installed, so no plot was written" in stderr
    assert not image.exists()


def test_with_or_without_matplotlib_the_binary_program_finishes(runs):
    returncode, stdout, stderr, image = runs["7.17"]
    assert returncode == 0
    assert "training accuracy" in stdout
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no plot was written" in stderr
    else:
        assert image.stat().st_size > 0
