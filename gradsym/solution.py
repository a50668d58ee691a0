"""Solving a problem: the three derivations, their agreement, the claims."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

import mpmath
import sympy

from gradsym import cost, direct, forward, reverse
from gradsym.cost import ModeCost
from gradsym.derivation import Derivation, Pair
from gradsym.equivalence import Tally, Verdict, constant_difference
from gradsym.errors import GradsymError
from gradsym.expressions import symbol
from gradsym.graph import Graph
from gradsym.kinds import get as get_kind
from gradsym.limits import OutOfTime, time_limit
from gradsym.numeric import (
    Memo,
    OffDomain,
    Value,
    evaluate,
    forward_values,
    random_points,
)
from gradsym.problems import AnyProblem, Claim, KindProblem, Problem
from gradsym.report import Report

POINTS = 30  # random points per problem
LARGE_GRAPH_POINTS = 16  # for graphs too large to substitute: each point costs more
AT_PRECISIONS = (50, 200, 1000)  # digits tried in turn for an --at point
FORWARD_BUDGET = 2_000  # sweeps x nodes beyond which forward runs as one J.v pass
EXPANDED_MAX_OPS = 200  # results with graph names substituted, while this small
SIMPLIFY_STEPS_SECONDS = 1.0


@dataclass(frozen=True)
class Derivative:
    """One derivative, as each mode found it, and whether the modes agree."""

    of: str
    wrt: str
    agreement: Verdict
    derivations: dict[str, Derivation] = field(repr=False)
    graph: Graph = field(repr=False)

    @property
    def pair(self) -> Pair:
        return (self.of, self.wrt)

    @property
    def value(self) -> sympy.Expr:
        """Reverse mode's result, in graph names."""
        value = self.derivations["reverse"].value(self.pair)
        assert value is not None
        return value

    @property
    def written(self) -> sympy.Expr | None:
        """The value for a worked solution, or None when too long to write."""
        reverse = self.derivations["reverse"]
        return self.value if reverse.writable(self.pair) else None

    @property
    def modes(self) -> dict[str, sympy.Expr | None]:
        return {mode: d.value(self.pair) for mode, d in self.derivations.items()}

    @property
    def expanded(self) -> sympy.Expr | None:
        """The result with every graph name substituted, while that is small."""
        value = self.value
        if {s.name for s in value.free_symbols}.isdisjoint(self.graph.nodes):
            return value
        if not self.graph.is_small:
            return None
        expanded = self.graph.substitute(value)
        return expanded if sympy.count_ops(expanded) <= EXPANDED_MAX_OPS else None

    @property
    def simplification(self) -> list[tuple[sympy.Expr, str]]:
        """The result, step by step, down to a simpler form (or [] if none).

        Each step is (form, what was done): the graph substituted, a product
        distributed over a sum with each term cancelled, terms collected.
        """
        expanded = self.expanded
        if expanded is None:
            return []
        steps = [(self.value, "")]
        if expanded != self.value:
            steps.append((expanded, "substitute the graph"))
        try:
            with time_limit(SIMPLIFY_STEPS_SECONDS):
                distributed = _distribute(steps[-1][0])
                if distributed is not None:
                    steps.append((distributed, "multiply out and cancel each term"))
                collected = sympy.cancel(steps[-1][0])
                steps.append((collected, "collect terms"))
        except OutOfTime:
            return []
        kept = [steps[0]]
        for form, why in steps[1:]:
            if form != kept[-1][0]:
                kept.append((form, why))
        sizes = [sympy.count_ops(form) for form, _ in kept]
        end = sizes.index(min(sizes)) + 1  # stop at the first simplest form
        if end < 2 or sizes[end - 1] >= sizes[0]:
            return []
        return kept[:end]


@dataclass(frozen=True)
class ClaimCheck:
    claim: Claim
    verdict: Verdict
    reverse: Derivation = field(repr=False)

    @property
    def derived(self) -> sympy.Expr:
        """What reverse mode derived for the claimed derivative."""
        value = self.reverse.value((self.claim.of, self.claim.wrt))
        assert value is not None
        return value


@dataclass(frozen=True)
class Evaluation:
    """Every node and derivative at one point that the user chose."""

    point: dict[str, Value]
    nodes: dict[str, Value]
    derivatives: dict[Pair, Value]


@dataclass
class Solution:
    """A scalar graph problem solved: derivations, agreement, claims."""

    kind = "graph"

    problem: Problem
    derivations: dict[str, Derivation]
    derivatives: list[Derivative] = field(default_factory=list)
    claims: list[ClaimCheck] = field(default_factory=list)
    directional: Verdict | None = None  # forward J.v against reverse
    evaluation: Evaluation | None = None
    mode_cost: list[ModeCost] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        checks = [d.agreement for d in self.derivatives]
        if self.directional is not None:
            checks.append(self.directional)
        return all(check.holds for check in checks)

    @property
    def claims_hold(self) -> bool:
        return all(check.verdict.holds for check in self.claims)


def _distribute(expr: sympy.Expr) -> sympy.Expr | None:
    """A product multiplied out over its widest sum, each term simplified on
    its own, as one does by hand; None when ``expr`` is not a product."""
    if not isinstance(expr, sympy.Mul):
        return None
    sums = [factor for factor in expr.args if isinstance(factor, sympy.Add)]
    if not sums:
        return None
    widest = max(sums, key=sympy.count_ops)
    rest = expr / widest
    return sympy.Add(*(sympy.factor(term * rest) for term in widest.args))


def wanted_pairs(problem: Problem, claims: tuple[Claim, ...]) -> list[Pair]:
    pairs = [(problem.output, wrt) for wrt in problem.wrt]
    pairs += [(claim.of, claim.wrt) for claim in claims]
    return list(dict.fromkeys(pairs))


def solve(
    problem: Problem,
    claims: tuple[Claim, ...] | None = None,
    at: Mapping[str, Value] | None = None,
) -> Solution:
    """Derive every wanted derivative three ways and check them and the claims."""
    if not isinstance(problem, Problem):
        raise GradsymError(
            f"solve() takes a graph problem; problem {problem.id} is of kind "
            f"{problem.kind!r}: use solve_problem()."
        )
    claims = problem.claims if claims is None else claims
    graph = problem.graph
    wanted = wanted_pairs(problem, claims)
    derivations = {
        "direct": direct.derive(graph, wanted),
        "reverse": reverse.derive(graph, wanted),
        "forward": _forward(graph, wanted),
    }
    solution = Solution(problem, derivations)
    _check(solution, wanted, claims)
    if at is not None:
        solution.evaluation = evaluate_at(solution, at)
    solution.mode_cost = cost.table(problem.mode_cost)
    return solution


def _forward(graph: Graph, wanted: list[Pair]) -> Derivation:
    sweeps = len({wrt for _, wrt in wanted})
    if sweeps * len(graph.nodes) > FORWARD_BUDGET:
        return Derivation(
            "forward",
            skipped=(
                f"forward mode needs one pass per variable, {sweeps} passes over "
                f"{len(graph.nodes)} nodes; it is checked instead by one pass along "
                "a random direction v, comparing J.v with the reverse-mode gradient "
                "dotted with v"
            ),
        )
    return forward.derive(graph, wanted)


def numbers(
    derivation: Derivation,
    wanted: list[Pair],
    env: dict[sympy.Symbol, Value],
    memo: Memo | None = None,
) -> dict[Pair, Value | None]:
    """Each wanted derivative of a derivation at one point, step by step."""
    memo = {} if memo is None else memo
    if derivation.mode == "direct":
        return {
            pair: _try(derivation.direct_results[pair], env, memo) for pair in wanted
        }
    known: dict[Pair, Value | None] = {}
    for sweep in derivation.sweeps:
        for step in sweep.steps:
            if step.is_seed:
                known[step.pair] = mpmath.mpf(1)
                continue
            total: Value | None = mpmath.mpf(0)
            for term in step.terms:
                local = _try(term.local_value, env, memo)
                factor = known[term.known]
                if local is None or factor is None or total is None:
                    total = None
                    break
                total += factor * local
            known[step.pair] = total
    return {pair: known.get(pair, mpmath.mpf(0)) for pair in wanted}


def _try(
    expr: sympy.Expr, env: dict[sympy.Symbol, Value], memo: Memo | None = None
) -> Value | None:
    try:
        return evaluate(expr, env, memo)
    except (OffDomain, ZeroDivisionError, OverflowError, ValueError):
        return None


@dataclass
class _Evidence:
    """The numeric evidence gathered for one problem, comparison by comparison."""

    modes: dict[tuple[Pair, str], Tally]
    claims: list[Tally]
    directional: Tally | None


def _check(solution: Solution, wanted: list[Pair], claims: tuple[Claim, ...]) -> None:
    derivations = solution.derivations
    graph = solution.problem.graph
    reference = derivations["reverse"]
    evidence = _sample(solution, wanted, claims)
    if evidence.directional is not None:
        solution.directional = evidence.directional.verdict()
    for pair in wanted:
        verdicts = [
            tally.verdict(partial(_proven_modes, graph, derivations, mode, pair))
            for (p, mode), tally in evidence.modes.items()
            if p == pair
        ]
        if solution.directional is not None and not verdicts:
            verdicts = [solution.directional]  # only J.v checked reverse mode
        worst = min(verdicts, key=_rank)
        solution.derivatives.append(
            Derivative(pair[0], pair[1], worst, derivations, graph)
        )
    for claim, tally in zip(claims, evidence.claims, strict=True):
        verdict = tally.verdict(partial(_proven_claim, graph, reference, claim))
        solution.claims.append(ClaimCheck(claim, verdict, reference))


def _sample(
    solution: Solution, wanted: list[Pair], claims: tuple[Claim, ...]
) -> _Evidence:
    """Evaluate every mode and claim at the random points, node by node."""
    problem, derivations = solution.problem, solution.derivations
    reference = derivations["reverse"]
    others = [m for m in ("direct", "forward") if not derivations[m].skipped]
    evidence = _Evidence(
        modes={(pair, m): Tally() for pair in wanted for m in others},
        claims=[Tally() for _ in claims],
        directional=Tally() if derivations["forward"].skipped else None,
    )
    tallies = [*evidence.modes.values(), *evidence.claims]
    if evidence.directional is not None:
        tallies.append(evidence.directional)
    leaves = problem.graph.leaves
    count = POINTS if problem.graph.is_small else LARGE_GRAPH_POINTS
    for index, point in enumerate(random_points(leaves, count, problem.id)):
        try:
            env = forward_values(problem.graph, point)
        except OffDomain:
            for tally in tallies:
                tally.add(point, None, None)
            continue
        memo: Memo = {}
        ours = numbers(reference, wanted, env, memo)
        for mode in others:
            theirs = numbers(derivations[mode], wanted, env, memo)
            for pair in wanted:
                evidence.modes[(pair, mode)].add(point, theirs[pair], ours[pair])
        for claim, tally in zip(claims, evidence.claims, strict=True):
            claimed = _try(claim.value, env, memo)
            tally.add(point, claimed, ours[(claim.of, claim.wrt)])
        if evidence.directional is not None:
            seed = f"{problem.id}/{index}"
            evidence.directional.add(point, *_directional(problem, env, ours, seed))
    return evidence


def _proven_modes(
    graph: Graph, derivations: dict[str, Derivation], mode: str, pair: Pair
) -> sympy.Expr | None:
    return _proven(
        graph, derivations[mode].value(pair), derivations["reverse"].value(pair)
    )


def _proven_claim(
    graph: Graph, reference: Derivation, claim: Claim
) -> sympy.Expr | None:
    return _proven(graph, claim.value, reference.value((claim.of, claim.wrt)))


def _rank(verdict: Verdict) -> int:
    order = {"not-equivalent": 0, "undecided": 1, "equivalent": 2}
    return order[verdict.status] * 2 + (verdict.decided_by == "symbolic")


def _proven(
    graph: Graph, left: sympy.Expr | None, right: sympy.Expr | None
) -> sympy.Expr | None:
    """left - right as a number, for graphs small enough to substitute: 0 is
    a proof that they are equal, any other number that they are not."""
    if left is None or right is None or not graph.is_small:
        return None
    if left == right:
        return sympy.S.Zero
    return constant_difference(graph.substitute(left - right))


def _directional(
    problem: Problem,
    env: dict[sympy.Symbol, Value],
    gradient: dict[Pair, Value | None],
    seed: str,
) -> tuple[Value | None, Value | None]:
    """(J.v by one forward pass, gradient . v) along a random direction v."""
    graph = problem.graph
    leaves = [w for w in problem.wrt if w in graph.leaves]
    direction = next(random_points(tuple(leaves), 1, seed))
    tangent: dict[str, Value] = {leaf: direction[leaf] for leaf in leaves}
    for name in graph.order:
        total = mpmath.mpf(0)
        for parent in graph.parents[name]:
            if parent in tangent:
                local = _try(graph.local_partial(name, parent), env)
                if local is None:
                    return None, None
                total += local * tangent[parent]
        tangent[name] = total
    dotted = mpmath.mpf(0)
    for leaf in leaves:
        component = gradient.get((problem.output, leaf))
        if component is None:
            return None, None
        dotted += component * direction[leaf]
    return tangent.get(problem.output, mpmath.mpf(0)), dotted


def evaluate_at(solution: Solution, at: Mapping[str, Value]) -> Evaluation:
    """Every node and derivative at a point the user chose.

    A value that is finite but lost to rounding at the usual 50 digits, such
    as log(1 - sig(200)), is tried again at higher precision.
    """
    graph = solution.problem.graph
    wanted = [d.pair for d in solution.derivatives]
    for digits in AT_PRECISIONS:
        with mpmath.workdps(digits):
            try:
                env = forward_values(graph, at)
            except OffDomain as error:
                failure = error
                continue
            values = numbers(solution.derivations["reverse"], wanted, env)
        return Evaluation(
            point=dict(at),
            nodes={name: env[symbol(name)] for name in graph.order},
            derivatives={pair: v for pair, v in values.items() if v is not None},
        )
    raise GradsymError(
        f"At the point given with --at, {failure}: it has no finite real value "
        "there. Choose a point inside the domain of every node."
    )


def solve_problem(problem: AnyProblem) -> Solution | Report:
    """Solve a problem of any kind: a graph problem, or a kind's report."""
    if isinstance(problem, KindProblem):
        return get_kind(problem.kind).solve(problem)
    return solve(problem)
