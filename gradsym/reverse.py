"""Reverse mode: adjoints in reverse topological order, as backpropagation.

The adjoint of a node n for the output y is the sum, over n's children c
that lead to y, of adjoint(c) * dc/dn.  Each adjoint is established once,
from adjoints established before it.
"""

from __future__ import annotations

from gradsym.derivation import Derivation, Pair, Sweep, Term
from gradsym.graph import Graph
from gradsym.primitives import rule_of


def sweep(graph: Graph, of: str, wanted: list[str]) -> Sweep:
    """Adjoints of ``of`` for every node it depends on and the wanted leaves."""
    upstream = graph.ancestors(of)
    result = Sweep(of)
    result.add(of, of, [])
    reached = {of}
    names = [n for n in reversed(graph.order) if n in upstream]
    names += [leaf for leaf in graph.leaves if leaf in upstream and leaf in wanted]
    for name in names:
        terms = [
            Term(
                (of, child),
                (child, name),
                graph.local_partial(child, name),
                rule_of(graph.nodes[child]),
            )
            for child in graph.children[name]
            if child in reached
        ]
        reached.add(name)
        result.add(of, name, terms)
    return result


def derive(graph: Graph, wanted: list[Pair]) -> Derivation:
    """Every wanted derivative by reverse sweeps, one sweep per ``of``."""
    derivation = Derivation("reverse")
    for of in dict.fromkeys(of for of, _ in wanted):
        wrts = [wrt for o, wrt in wanted if o == of]
        derivation.sweeps.append(sweep(graph, of, wrts))
    return derivation
