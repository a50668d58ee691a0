"""The computational graph: ordered nodes, each ``name = expression``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy

from gradsym.expressions import symbol

# Beyond these, substituting the graph into one expression costs too much (and
# SymPy's recursive algorithms run out of stack): direct mode and symbolic
# proofs are skipped and the numeric checks, node by node, decide alone.
MAX_SUBSTITUTED_SIZE = 400  # operations in all nodes together
MAX_SUBSTITUTED_DEPTH = 12  # nodes on the longest path


@dataclass(frozen=True)
class Graph:
    """Leaves (inputs and parameters) and nodes in topological order."""

    leaves: tuple[str, ...]
    nodes: dict[str, sympy.Expr] = field(hash=False)

    @cached_property
    def order(self) -> tuple[str, ...]:
        return tuple(self.nodes)

    @cached_property
    def position(self) -> dict[str, int]:
        names = self.leaves + self.order
        return {name: index for index, name in enumerate(names)}

    @cached_property
    def parents(self) -> dict[str, tuple[str, ...]]:
        """The names each node's expression uses, leaves and nodes alike."""
        known = self.position
        result: dict[str, tuple[str, ...]] = {leaf: () for leaf in self.leaves}
        for name, expr in self.nodes.items():
            used = {s.name for s in expr.free_symbols if s.name in known}
            result[name] = tuple(sorted(used, key=known.__getitem__))
        return result

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        result: dict[str, list[str]] = {name: [] for name in self.position}
        for name in self.order:
            for parent in self.parents[name]:
                result[parent].append(name)
        return {name: tuple(kids) for name, kids in result.items()}

    def ancestors(self, name: str) -> set[str]:
        """Every name that ``name`` depends on, not counting itself."""
        seen: set[str] = set()
        stack = list(self.parents[name])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.parents[current])
        return seen

    def descendants(self, name: str) -> set[str]:
        """Every node that depends on ``name``, not counting itself."""
        seen: set[str] = set()
        stack = list(self.children[name])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.children[current])
        return seen

    def between(self, of: str, wrt: str) -> list[str]:
        """Nodes on some path from ``wrt`` to ``of``, ``of`` last, in order."""
        if of == wrt:
            return [of]
        upstream = self.ancestors(of) | {of}
        downstream = self.descendants(wrt)
        return [n for n in self.order if n in upstream and n in downstream]

    @cached_property
    def _partials(self) -> dict[tuple[str, str], sympy.Expr]:
        return {}

    def local_partial(self, node: str, parent: str) -> sympy.Expr:
        """d node / d parent, every other name held fixed (computed once)."""
        key = (node, parent)
        if key not in self._partials:
            self._partials[key] = sympy.diff(self.nodes[node], symbol(parent))
        return self._partials[key]

    def substitute(
        self, expr: sympy.Expr, keep: set[str] | frozenset[str] = frozenset()
    ) -> sympy.Expr:
        """Replace graph names in ``expr`` by their definitions, except ``keep``.

        Walks the nodes from last to first once, so each definition is
        substituted after every node that uses it.
        """
        for name in reversed(self.order):
            if name in keep:
                continue
            node = symbol(name)
            if node in expr.free_symbols:
                expr = expr.xreplace({node: self.nodes[name]})
        return expr

    @cached_property
    def size(self) -> int:
        """Operations in all node expressions together: a measure of work."""
        return sum(sympy.count_ops(expr) + 1 for expr in self.nodes.values())

    @cached_property
    def depth(self) -> int:
        """Nodes on the longest path through the graph."""
        longest: dict[str, int] = {leaf: 0 for leaf in self.leaves}
        for name in self.order:
            longest[name] = 1 + max((longest[p] for p in self.parents[name]), default=0)
        return max(longest.values(), default=0)

    @property
    def is_small(self) -> bool:
        """Small enough to substitute into one expression (direct mode, proofs)."""
        return self.size <= MAX_SUBSTITUTED_SIZE and self.depth <= MAX_SUBSTITUTED_DEPTH
