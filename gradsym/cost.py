"""What each mode costs on a deep network with P parameters and one output.

The network is the chain f_k = sin(w_k * f_{k-1}), k = 1..P, with f_0 = x:
one parameter per layer.  A chain-rule step is one node's derivative from
its neighbours' (a tangent in forward mode, an adjoint in reverse mode).

- forward mode: one pass per parameter; the pass for w_k has a step for
  each of f_k..f_P, so P(P + 1)/2 steps in all;
- reverse mode: one pass; a step for each of f_{P-1}..f_1 and each w_k,
  so 2P - 1 steps in all.

Small sizes are also counted by running gradsym's own forward and reverse
sweeps on the generated network, which checks the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradsym import forward, reverse
from gradsym.expressions import parse
from gradsym.graph import Graph

MAX_COUNTED = 12  # sizes up to this are also counted by running the sweeps


@dataclass(frozen=True)
class ModeCost:
    parameters: int
    forward_passes: int
    forward_steps: int
    reverse_passes: int
    reverse_steps: int
    counted: bool  # True when the steps were counted by running the sweeps


def chain(parameters: int) -> Graph:
    nodes = {"f1": parse("sin(w1*x)")}
    for k in range(2, parameters + 1):
        nodes[f"f{k}"] = parse(f"sin(w{k}*f{k - 1})")
    leaves = ("x", *(f"w{k}" for k in range(1, parameters + 1)))
    return Graph(leaves=leaves, nodes=nodes)


def counted_steps(parameters: int) -> tuple[int, int]:
    """(forward steps, reverse steps), by running both modes on the chain."""
    graph = chain(parameters)
    output = f"f{parameters}"
    wanted = [(output, f"w{k}") for k in range(1, parameters + 1)]
    steps_of = [s for sw in forward.derive(graph, wanted).sweeps for s in sw.steps]
    back = [s for sw in reverse.derive(graph, wanted).sweeps for s in sw.steps]
    return (sum(not s.is_seed for s in steps_of), sum(not s.is_seed for s in back))


def cost(parameters: int) -> ModeCost:
    forward_steps = parameters * (parameters + 1) // 2
    reverse_steps = 2 * parameters - 1
    counted = parameters <= MAX_COUNTED
    if counted and counted_steps(parameters) != (forward_steps, reverse_steps):
        raise AssertionError(f"step counts for P = {parameters} do not match")
    return ModeCost(parameters, parameters, forward_steps, 1, reverse_steps, counted)


def table(sizes: tuple[int, ...]) -> list[ModeCost]:
    return [cost(p) for p in sizes]
