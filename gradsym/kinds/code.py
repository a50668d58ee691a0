"""Kind ``code``: a complete PyTorch training program for figure 7.8's network.

The network of figure 7.8 (Linear(10, 40), ReLU, Linear(40, 40), ReLU,
Linear(40, D_o); He/Kaiming-normal weights, zero biases; SGD with learning
rate 0.1 and momentum 0.9; the learning rate halved every 10 epochs; 100
random examples in batches of 10) is written out as a runnable program from a
Jinja template, for least-squares regression or for binary classification.
The program records and prints the training loss of every epoch and plots it
with matplotlib when that is installed.

gradsym never runs the program: its checks are facts read from the program's
syntax tree (``ast``), compared with the settings and with figure 7.8.

Keys:
  task    regression (default; 5 outputs, MSELoss) or binary-classification
          (1 output, binary cross-entropy)
  epochs  default number of epochs, 1 to 1000 (default 100)
  seed    default random seed, 0 to 2**32 - 1 (default 0)
  output  binary-classification only: logits (default; the network outputs
          a logit and BCEWithLogitsLoss applies the sigmoid inside the loss)
          or sigmoid (an nn.Sigmoid last layer and BCELoss)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from gradsym.errors import GradsymError
from gradsym.kinds import Kind
from gradsym.report import Equation, Report

TASKS = ("regression", "binary-classification")
OUTPUTS = ("logits", "sigmoid")
MAX_EPOCHS = 1000
MAX_SEED = 2**32 - 1
INPUTS, HIDDEN, EXAMPLES, BATCH = 10, 40, 100, 10  # figure 7.8's sizes
LEARNING_RATE, MOMENTUM, STEP_SIZE, GAMMA = 0.1, 0.9, 10, 0.5


@dataclass(frozen=True)
class Settings:
    task: str
    epochs: int
    seed: int
    output: str = ""  # logits or sigmoid for binary classification

    @property
    def outputs(self) -> int:
        return 5 if self.task == "regression" else 1

    @property
    def loss_class(self) -> str:
        if self.task == "regression":
            return "MSELoss"
        return "BCEWithLogitsLoss" if self.output == "logits" else "BCELoss"

    @property
    def layers(self) -> tuple[str, ...]:
        body = ("Linear", "ReLU", "Linear", "ReLU", "Linear")
        return body + (("Sigmoid",) if self.output == "sigmoid" else ())


def build(entry: dict[str, Any], v: Any, path: tuple[Any, ...]) -> Settings:
    task = v.choice(entry, "task", path, TASKS, "regression")
    if task == "regression" and entry.get("output") is not None:
        raise v.error(
            path + ("output",),
            "'output' chooses how a binary classifier ends; remove it "
            "or set 'task: binary-classification'.",
        )
    return Settings(
        task=task,
        epochs=v.integer(
            entry, "epochs", path, default=100, minimum=1, maximum=MAX_EPOCHS
        ),
        seed=v.integer(entry, "seed", path, default=0, minimum=0, maximum=MAX_SEED),
        output=""
        if task == "regression"
        else v.choice(entry, "output", path, OUTPUTS, "logits"),
    )


# -- the program ------------------------------------------------------------------

TEMPLATE = '''\
"""Figure 7.8's network trained for {{ purpose }}.

Problem {{ id }}, written by gradsym. It prints the training loss
of every epoch and plots it if matplotlib is installed:

    python train.py --epochs {{ epochs }} --plot {{ plot }}

PyTorch is required; matplotlib is optional.
"""

import argparse
import sys

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

# input size, hidden layer size, output size
D_i, D_k, D_o = {{ inputs }}, {{ hidden }}, {{ outputs }}
EXAMPLES, BATCH = {{ examples }}, {{ batch }}


def make_model():
    """Two hidden layers of D_k ReLU units, He-initialised."""
    model = nn.Sequential(
        nn.Linear(D_i, D_k),
        nn.ReLU(),
        nn.Linear(D_k, D_k),
        nn.ReLU(),
        nn.Linear(D_k, D_o),
{% if output == "sigmoid" %}
        nn.Sigmoid(),  # probabilities between zero and one
{% endif %}
    )
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def make_data():
    """EXAMPLES random inputs and their targets."""
    x = torch.randn(EXAMPLES, D_i)
{% if task == "regression" %}
    y = torch.randn(EXAMPLES, D_o)
{% else %}
    # labels from a rule the network can learn (is the sum of
    # the inputs positive?): a falling loss means learning
    y = (x.sum(dim=1, keepdim=True) > 0).float()
{% endif %}
    return x, y


def train(epochs, seed):
    """Train; return each epoch's mean batch loss."""
    torch.manual_seed(seed)
    x, y = make_data()
    model = make_model()
{% if task == "regression" %}
    criterion = nn.MSELoss()  # least squares
{% elif output == "logits" %}
    # binary cross-entropy of the logit: the sigmoid is applied
    # inside the loss, which stays finite where sigmoid(logit)
    # rounds to 0 or 1
    criterion = nn.BCEWithLogitsLoss()
{% else %}
    criterion = nn.BCELoss()  # binary cross-entropy of the probabilities
{% endif %}
    optimizer = torch.optim.SGD(model.parameters(), lr={{ lr }},
                                momentum={{ momentum }})
    # halve the learning rate every 10 epochs
    scheduler = StepLR(optimizer, step_size={{ step_size }}, gamma={{ gamma }})
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH,
                        shuffle=True)
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for x_batch, y_batch in loader:
            optimizer.zero_grad()
            loss = criterion(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / len(loader))
        print(f"epoch {epoch + 1:4d}  loss {losses[-1]:.6f}")
        scheduler.step()  # per epoch: step_size counts epochs
{% if task != "regression" %}
    with torch.no_grad():
{% if output == "logits" %}
        probability = torch.sigmoid(model(x))
{% else %}
        probability = model(x)
{% endif %}
        predicted = (probability > 0.5).float()
        accuracy = (predicted == y).float().mean()
    print(f"training accuracy {accuracy.item():.3f}")
{% endif %}
    return losses


def plot(losses, path):
    """Save the loss curve; without matplotlib, say so."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed, so no plot was "
              f"written to {path} (pip install matplotlib).",
              file=sys.stderr)
        return
    matplotlib.use("Agg")  # draw into a file; no display needed
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot(range(1, len(losses) + 1), losses)
    axes.set_xlabel("epoch")
    axes.set_ylabel("training loss (mean over batches)")
    axes.set_title("{{ title }}")
    figure.savefig(path)
    print(f"plot written to {path}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default={{ epochs }},
                        help="passes over the data")
    parser.add_argument("--plot", default="{{ plot }}",
                        help="image file for the loss curve")
    parser.add_argument("--seed", type=int, default={{ seed }},
                        help="seed of the data and the weights")
    args = parser.parse_args()
    losses = train(args.epochs, args.seed)
    plot(losses, args.plot)


if __name__ == "__main__":
    main()
'''


def program(problem: Any) -> str:
    """The complete program for a ``code`` problem, settings filled in."""
    import jinja2

    s = getattr(problem, "settings", None)
    if not isinstance(s, Settings):
        kind = getattr(problem, "kind", "graph")
        raise GradsymError(
            f"Problem {problem.id} is of kind {kind!r}; only "
            "problems of kind 'code' have a program."
        )
    template = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    ).from_string(TEMPLATE)
    regression = s.task == "regression"
    return template.render(
        id=problem.id,
        task=s.task,
        output=s.output,
        epochs=s.epochs,
        seed=s.seed,
        purpose="least-squares regression" if regression else "binary classification",
        title="regression (MSE)"
        if regression
        else f"binary classification ({s.loss_class})",
        plot=_plot_name(s),
        inputs=INPUTS,
        hidden=HIDDEN,
        outputs=s.outputs,
        examples=EXAMPLES,
        batch=BATCH,
        lr=LEARNING_RATE,
        momentum=MOMENTUM,
        step_size=STEP_SIZE,
        gamma=GAMMA,
    )


# -- facts read from the program's syntax tree ----------------------------------


def _name(node: ast.AST) -> str:
    """The called name: ``Linear`` for nn.Linear(...), ``f`` for f(...)."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node.func) == name
    ]


def _constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level names bound to literals, as in ``D_i, D_k = 10, 40``."""
    found: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=False))
            else:
                pairs = [(target, node.value)]
            for name, value in pairs:
                if isinstance(name, ast.Name) and isinstance(value, ast.Constant):
                    found[name.id] = value.value
    return found


def _value(node: ast.AST | None, constants: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _keyword(call: ast.Call, key: str, constants: dict[str, Any]) -> Any:
    return next(
        (_value(k.value, constants) for k in call.keywords if k.arg == key), None
    )


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {
        child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)
    }


def _loops(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.For]:
    """The for-loops around ``node``, innermost first."""
    found = []
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.For):
            found.append(node)
    return found


@dataclass(frozen=True)
class Facts:
    """What the program says, read from its syntax tree."""

    lines: int
    sequence: tuple[str, ...]
    sizes: tuple[tuple[Any, Any], ...]
    losses: tuple[str, ...]
    initialisers: tuple[str, ...]
    sgd: tuple[Any, Any]
    step_lr: tuple[Any, Any]
    data: tuple[tuple[Any, ...], ...]  # shapes given to torch.randn
    binary_targets: bool
    batch: tuple[Any, Any]
    options: dict[str, Any]  # --epochs, --seed, --plot defaults
    batch_order: tuple[str, ...]  # zero_grad, backward, step in the batch loop
    scheduler_per_epoch: bool
    optional_matplotlib: bool
    main_guard: bool


def read_program(text: str) -> Facts:
    """Parse ``text`` (never run it) and collect the facts the checks compare."""
    tree = ast.parse(text)
    compile(tree, "train.py", "exec")  # to bytecode, never run: finds more errors
    constants = _constants(tree)
    parents = _parents(tree)
    sequential = _calls(tree, "Sequential")
    sequence = (
        tuple(_name(a.func) for a in sequential[0].args if isinstance(a, ast.Call))
        if sequential
        else ()
    )
    sgd, step_lr = _calls(tree, "SGD"), _calls(tree, "StepLR")
    loader = _calls(tree, "DataLoader")
    return Facts(
        lines=len(text.splitlines()),
        sequence=sequence,
        sizes=tuple(
            tuple(_value(a, constants) for a in call.args)
            for call in _calls(tree, "Linear")
        ),
        losses=tuple(
            sorted(
                {
                    _name(node.func)
                    for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and _name(node.func).endswith("Loss")
                }
            )
        ),
        initialisers=tuple(
            sorted(
                {
                    _name(c.func)
                    for c in ast.walk(tree)
                    if isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Attribute)
                    and isinstance(c.func.value, ast.Attribute)
                    and c.func.value.attr == "init"
                }
            )
        ),
        sgd=(_keyword(sgd[0], "lr", constants), _keyword(sgd[0], "momentum", constants))
        if sgd
        else (None, None),
        step_lr=(
            _keyword(step_lr[0], "step_size", constants),
            _keyword(step_lr[0], "gamma", constants),
        )
        if step_lr
        else (None, None),
        data=tuple(
            tuple(_value(a, constants) for a in call.args)
            for call in _calls(tree, "randn")
        ),
        binary_targets=_binary_targets(tree),
        batch=(
            _keyword(loader[0], "batch_size", constants),
            _keyword(loader[0], "shuffle", constants),
        )
        if loader
        else (None, None),
        options=_options(tree),
        batch_order=_batch_order(tree, parents),
        scheduler_per_epoch=_scheduler_per_epoch(tree, parents),
        optional_matplotlib=_optional_import(tree, parents, "matplotlib"),
        main_guard=any(
            isinstance(node, ast.If)
            and ast.unparse(node.test)
            in ("__name__ == '__main__'", '__name__ == "__main__"')
            for node in tree.body
        ),
    )


def _binary_targets(tree: ast.AST) -> bool:
    """y is set to (comparison).float(): every target is 0 or 1."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "y"
        ):
            value = node.value
            return (
                isinstance(value, ast.Call)
                and _name(value.func) == "float"
                and isinstance(value.func, ast.Attribute)
                and isinstance(value.func.value, ast.Compare)
            )
    return False


def _options(tree: ast.AST) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for call in _calls(tree, "add_argument"):
        if call.args and isinstance(call.args[0], ast.Constant):
            found[str(call.args[0].value)] = _keyword(call, "default", {})
    return found


def _batch_order(tree: ast.AST, parents: dict[ast.AST, ast.AST]) -> tuple[str, ...]:
    """The training calls, in order, of the loop that calls backward()."""
    backward = _calls(tree, "backward")
    if not backward or not _loops(backward[0], parents):
        return ()
    loop = _loops(backward[0], parents)[0]
    calls = [
        node
        for node in ast.walk(loop)
        if isinstance(node, ast.Call)
        and _name(node.func) in ("zero_grad", "backward", "step")
    ]
    calls.sort(key=lambda node: (node.lineno, node.col_offset))
    return tuple(_name(node.func) for node in calls)


def _scheduler_per_epoch(tree: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """scheduler.step() sits in the epoch loop but not in the batch loop."""
    names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and _name(node.value.func) == "StepLR"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    steps = [
        call
        for call in _calls(tree, "step")
        if isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id in names
    ]
    return len(steps) == 1 and len(_loops(steps[0], parents)) == 1


def _optional_import(
    tree: ast.Module, parents: dict[ast.AST, ast.AST], module: str
) -> bool:
    """No module-level import of ``module``; the first one (in source order)
    is guarded by ``except ImportError``, so the program runs without it."""
    imports = sorted(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            and any(
                name.split(".")[0] == module
                for name in (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
            )
        ),
        key=lambda node: node.lineno,
    )
    if not imports or any(node in tree.body for node in imports):
        return False
    node: ast.AST = imports[0]
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            return any(
                _name(handler.type) == "ImportError"
                for handler in node.handlers
                if handler.type is not None
            )
    return False


# -- the report ---------------------------------------------------------------


def solve(problem: Any) -> Report:
    s: Settings = problem.settings
    report = Report(problem)
    text = program(problem)
    if s.task == "regression":
        _regression(report)
    else:
        _classification(report, s)
    _choices(report, s)
    report.code("python", text)
    _run_it(report, s)
    try:
        facts = read_program(text)
    except SyntaxError as error:
        report.check(
            "the program parses and compiles as Python",
            f"syntax error at line {error.lineno}: {error.msg}",
            False,
        )
        return report
    _checks(report, s, facts)
    report.data.update(
        {
            "task": s.task,
            "epochs": s.epochs,
            "seed": s.seed,
            "layers": [list(size) for size in facts.sizes],
            "loss": s.loss_class,
            "output": s.output or None,
            "program": text,
        }
    )
    return report


def _plot_name(s: Settings) -> str:
    return "loss.png" if s.task == "regression" else "loss-binary.png"


def _regression(report: Report) -> None:
    report.say(
        "The published solutions leave this coding exercise out. The program "
        "below builds figure 7.8's network and trains it by least squares on "
        "100 random inputs $\\mathbf{x}$ with 10 entries and 100 random targets "
        "$\\mathbf{y}$ with 5 entries, both standard normal, so the network "
        "can only memorise them. After every epoch it records the training "
        "loss, the mean of the epoch's 10 batch losses, and prints it; at the "
        "end it plots loss against epoch. MSELoss averages the squared errors "
        "over the 10 examples and 5 outputs of a batch, so each batch loss is "
        "the least-squares loss $\\sum_i \\sum_j (f_{ij} - y_{ij})^2$ divided "
        "by 50; the factor only rescales the learning rate."
    )


def _classification(report: Report, s: Settings) -> None:
    report.say(
        "The published solutions leave this coding exercise out. Figure 7.8's "
        "program needs three changes for binary classification. (i) The "
        "targets become binary: $y = \\mathbb{I}[\\sum_j x_j > 0]$, a label "
        "that depends on the input, so that a falling loss shows learning; "
        "random labels could only be memorised. (ii) The network has one "
        "output $f$, and its prediction must lie between zero and one: the "
        "probability $\\mathrm{sig}[f]$. (iii) The loss is the binary "
        "cross-entropy, the negative log-likelihood of a Bernoulli "
        "distribution, in place of least squares."
    )
    if s.output == "logits":
        report.say(
            "Here the last layer outputs the logit $f$ and the sigmoid is "
            "applied inside the loss (BCEWithLogitsLoss); the probability "
            "$\\mathrm{sig}[f]$ is computed where it is needed, for the "
            "accuracy. This is the same loss as a Sigmoid layer followed by "
            "BCELoss, but written in terms of $f$:"
        )
    else:
        report.say(
            "Here the network ends with a Sigmoid layer, so its output is the "
            "probability itself, and the loss is BCELoss. This is the literal "
            "answer; BCEWithLogitsLoss on the logit (output: logits) computes "
            "the same loss from $f$:"
        )
    _cross_entropy(report)
    report.say(
        "The second form never takes the logarithm of a probability that has "
        "rounded to 0 or 1 (PyTorch evaluates it with the log-sum-exp trick), "
        "so it stays finite and keeps its gradient $\\mathrm{sig}[f] - y$ for "
        "large $|f|$. After a Sigmoid layer whose output has rounded to 0 or 1, "
        "BCELoss must clamp the logarithm and the sigmoid's slope, zero in "
        "floating point, stops the gradient"
        + (
            "."
            if s.output == "logits"
            else "; that is why output: logits is the default."
        )
    )


def _cross_entropy(report: Report) -> None:
    """The binary cross-entropy of sig[f] is the logit form; its slope sig[f] - y."""
    import sympy

    from gradsym.limits import OutOfTime, time_limit
    from gradsym.primitives import sigmoid

    f, y = sympy.Symbol("f", real=True), sympy.Symbol("y", real=True)
    probability = -(1 - y) * sympy.log(1 - sigmoid(f)) - y * sympy.log(sigmoid(f))
    logit = (1 - y) * f + sympy.log(1 + sympy.exp(-f))
    report.equations(Equation("l", "l", probability), Equation("", "", logit))
    same = slope = False
    try:
        with time_limit(2.0):
            # every logarithm's argument is positive for real f: expanding is exact
            difference = sympy.expand_log(
                sympy.simplify(probability.rewrite(sympy.exp)) - logit, force=True
            )
            same = sympy.simplify(difference) == 0
            gradient = sympy.diff(logit, f) - (sigmoid(f) - y)
            slope = sympy.simplify(gradient.rewrite(sympy.exp)) == 0
    except OutOfTime:
        pass
    report.check(
        "the binary cross-entropy of sig[f] equals (1 - y) f + "
        "log[1 + exp[-f]], the form computed from the logit",
        "equal for every real f" if same else "not shown equal",
        same,
    )
    report.check(
        "the derivative of the loss with respect to the logit is sig[f] - y",
        "dl/df = sig(f) - y" if slope else "different",
        slope,
    )


def _choices(report: Report, s: Settings) -> None:
    sizes = f"10-40-40-{s.outputs}, ReLU" + (
        ", Sigmoid" if s.output == "sigmoid" else ""
    )
    rows = [
        ["network", sizes, "figure 7.8" if s.task == "regression" else "one output"],
        ["initialisation", "Kaiming normal, zero biases", "He: variance 2/fan-in"],
        [
            "loss",
            s.loss_class,
            "least squares" if s.task == "regression" else "cross-entropy",
        ],
        ["optimiser", "SGD, lr 0.1, momentum 0.9", "figure 7.8"],
        ["schedule", "StepLR, step 10, gamma 0.5", "halve lr every 10 epochs"],
        ["data", "100 examples, batches of 10", "figure 7.8, shuffled"],
        ["recorded", "mean batch loss per epoch", "any batch size"],
        ["plot", "matplotlib if installed", "else a note; losses printed"],
    ]
    report.table(["part", "choice", "reason"], rows)


def _run_it(report: Report, s: Settings) -> None:
    report.say(
        f"Save it with gradsym code {report.problem.id} -o train.py and run "
        f"python train.py --epochs {s.epochs} --plot {_plot_name(s)} (these "
        f"are the defaults; --seed, default {s.seed}, changes the random data "
        "and weights). Each epoch prints one line with its number and loss. "
        "The loss falls as the network fits the data, ever more slowly as "
        "StepLR halves the learning rate every 10 epochs: after 100 epochs it "
        "is $0.1/2^{10} \\approx 10^{-4}$. Without matplotlib the program "
        "says why it made no plot and still prints every loss."
    )


def _checks(report: Report, s: Settings, facts: Facts) -> None:
    sizes = ((INPUTS, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, s.outputs))
    chain = "-".join(str(n) for n in (INPUTS, HIDDEN, HIDDEN, s.outputs))
    got_chain = "-".join(str(size[0]) for size in facts.sizes) + (
        f"-{facts.sizes[-1][1]}" if facts.sizes else ""
    )
    targets = (EXAMPLES, s.outputs) if s.task == "regression" else None
    expected_data = ((EXAMPLES, INPUTS),) + ((targets,) if targets else ())
    checks = [
        ("the program parses and compiles as Python", f"{facts.lines} lines", True),
        (f"layer sizes {chain}", got_chain, facts.sizes == sizes),
        ("layers in order", "-".join(facts.sequence), facts.sequence == s.layers),
        (
            f"the loss is {s.loss_class}",
            ", ".join(facts.losses),
            facts.losses == (s.loss_class,),
        ),
        (
            "weights Kaiming-normal, biases zero",
            ", ".join(facts.initialisers),
            facts.initialisers == ("kaiming_normal_", "zeros_"),
        ),
        (
            "SGD with learning rate 0.1 and momentum 0.9",
            f"lr {facts.sgd[0]}, momentum {facts.sgd[1]}",
            facts.sgd == (LEARNING_RATE, MOMENTUM),
        ),
        (
            "StepLR with step 10 and gamma 0.5",
            f"step_size {facts.step_lr[0]}, gamma {facts.step_lr[1]}",
            facts.step_lr == (STEP_SIZE, GAMMA),
        ),
        (
            "random data of the right shapes",
            ", ".join(str(shape) for shape in facts.data),
            facts.data == expected_data,
        ),
        (
            "batches of 10, shuffled",
            f"batch_size {facts.batch[0]}, shuffle {facts.batch[1]}",
            facts.batch == (BATCH, True),
        ),
        (
            "each batch: zero_grad, backward, step",
            ", ".join(facts.batch_order),
            facts.batch_order == ("zero_grad", "backward", "step"),
        ),
        (
            "the learning-rate schedule steps once per epoch",
            "in the epoch loop only" if facts.scheduler_per_epoch else "elsewhere",
            facts.scheduler_per_epoch,
        ),
        (
            f"options --epochs (default {s.epochs}), --seed (default {s.seed}) "
            "and --plot",
            ", ".join(facts.options),
            facts.options.get("--epochs") == s.epochs
            and facts.options.get("--seed") == s.seed
            and "--plot" in facts.options,
        ),
        (
            "matplotlib is imported only inside try/except ImportError",
            "optional" if facts.optional_matplotlib else "required",
            facts.optional_matplotlib,
        ),
        ("a main guard", "present" if facts.main_guard else "absent", facts.main_guard),
    ]
    if s.task != "regression":
        checks.append(
            (
                "the targets are binary: (comparison).float()",
                "binary" if facts.binary_targets else "not binary",
                facts.binary_targets,
            )
        )
    for label, derived, holds in checks:
        report.check(label, derived, holds)


KINDS = {
    "code": Kind(
        keys=("task", "epochs", "seed", "output"),
        build=build,
        solve=solve,
        summary="A runnable PyTorch training program for figure 7.8's network, "
        "checked by reading its syntax tree",
    ),
}
