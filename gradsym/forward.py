"""Forward mode: tangents in topological order, one sweep per variable.

The tangent of a node n for a variable v is the sum, over n's parents p,
of dn/dp * tangent(p).  Parents that do not depend on v are held fixed, so
for a graph node v this is the derivative with v's own inputs held fixed.
"""

from __future__ import annotations

from gradsym.derivation import Derivation, Pair, Sweep, Term
from gradsym.graph import Graph
from gradsym.primitives import rule_of


def sweep(graph: Graph, wrt: str, targets: list[str]) -> Sweep:
    """Tangents for ``wrt`` of every node between it and the targets."""
    needed: set[str] = set()
    for target in targets:
        needed.update(graph.between(target, wrt))
    result = Sweep(wrt)
    result.add(wrt, wrt, [])
    reached = {wrt}
    for name in graph.order:
        if name not in needed or name == wrt:
            continue
        rule = rule_of(graph.nodes[name])
        terms = [
            Term((parent, wrt), (name, parent), graph.local_partial(name, parent), rule)
            for parent in graph.parents[name]
            if parent in reached
        ]
        reached.add(name)
        result.add(name, wrt, terms)
    return result


def derive(graph: Graph, wanted: list[Pair]) -> Derivation:
    """Every wanted derivative by forward sweeps, one sweep per ``wrt``."""
    derivation = Derivation("forward")
    for wrt in dict.fromkeys(wrt for _, wrt in wanted):
        ofs = [of for of, w in wanted if w == wrt]
        derivation.sweeps.append(sweep(graph, wrt, ofs))
    return derivation
