"""Direct mode: substitute the graph into one expression, then differentiate."""

from __future__ import annotations

import sympy

from gradsym.derivation import Derivation, Pair
from gradsym.expressions import symbol
from gradsym.graph import MAX_SUBSTITUTED_DEPTH, MAX_SUBSTITUTED_SIZE, Graph


def expression(graph: Graph, of: str, wrt: str) -> sympy.Expr:
    """``of`` as an expression in which ``wrt`` appears explicitly.

    For a graph node ``wrt`` only the nodes downstream of it are substituted,
    so that the nodes upstream of it stay fixed.
    """
    if wrt in graph.nodes:
        fixed = set(graph.position) - graph.descendants(wrt)
        return graph.substitute(symbol(of), keep=fixed)
    return graph.substitute(symbol(of))


def derive(graph: Graph, wanted: list[Pair]) -> Derivation:
    """Every wanted derivative by SymPy's ``diff`` of the substituted graph."""
    if not graph.is_small:
        return Derivation(
            "direct",
            skipped=(
                f"the graph ({graph.size} operations, {graph.depth} nodes deep) "
                f"is larger than the {MAX_SUBSTITUTED_SIZE} operations and "
                f"{MAX_SUBSTITUTED_DEPTH} nodes deep for which substituting it "
                "into one expression stays practical"
            ),
        )
    expressions = {(of, wrt): expression(graph, of, wrt) for of, wrt in wanted}
    results = {
        (of, wrt): sympy.diff(expr, symbol(wrt))
        for (of, wrt), expr in expressions.items()
    }
    return Derivation("direct", expressions=expressions, direct_results=results)
