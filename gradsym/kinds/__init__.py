"""Problem kinds beyond scalar graphs.

Each kind lives in a module of this package that defines ``KINDS``, a
mapping from the kind's name (the ``kind:`` of a problem) to a ``Kind``: the
keys it accepts besides id, title, statement and kind; ``build``, which
validates them (raising through the validator, so errors carry file, line
and column) and returns the kind's settings; and ``solve``, which turns a
problem into a ``Report``.  Modules are imported only when a problem of
their kind is read, so the scalar graph problems start fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradsym.report import Report

# kind name -> module of this package that defines it
MODULES: dict[str, str] = {
    "jacobian-sizes": "matrices",
    "jacobian": "matrices",
    "matrix-gradient": "matrices",
    "backprop-equations": "matrices",
    "activation": "activations",
    "expectation": "expectation",
    "zero-init": "initialisation",
    "checkpointing": "checkpointing",
    "code": "code",
}


@dataclass(frozen=True)
class Kind:
    keys: tuple[str, ...]
    build: Callable[..., Any]  # (entry, validator, path) -> settings
    solve: Callable[[Any], Report]  # (KindProblem) -> Report
    summary: str = ""


def get(name: str) -> Kind:
    module = importlib.import_module(f"gradsym.kinds.{MODULES[name]}")
    kinds: dict[str, Kind] = module.KINDS
    return kinds[name]
