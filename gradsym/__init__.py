"""gradsym: derive, check and write up the gradients of neural networks."""

from gradsym.errors import GradsymError

__all__ = ["GradsymError"]
__version__ = "0.1.0"
