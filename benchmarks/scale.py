"""How gradsym's cost grows with depth, next to naive SymPy.

For a chain f_k = sin(w_k*f_{k-1} + b_k) of N layers, prints the time
gradsym takes to derive and check the gradient (reverse mode, forward mode
or its J.v check, their agreement) next to the time SymPy takes to
substitute the chain into one expression and differentiate it with respect
to every parameter (capped, run in a child process).  Then prints the cold
time of `gradsym check` on the bundled set next to `python -c "import sympy"`.

Run: python benchmarks/scale.py [--sizes 10,20,40,...] [--cap SECONDS]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GRAPH_IDS = ["7.1", "7.2", "7.4", "7.5", "7.12", "7.13"]

NAIVE = """
import sys, sympy
n = int(sys.argv[1])
x = sympy.Symbol("x")
f = x
params = []
for k in range(1, n + 1):
    w, b = sympy.symbols(f"w{k} b{k}")
    params += [w, b]
    f = sympy.sin(w * f + b)
for p in params:
    sympy.diff(f, p)
"""


def chain_yaml(n: int) -> str:
    parameters = ", ".join(f"w{k}, b{k}" for k in range(1, n + 1))
    lines = [
        "problems:",
        "  - id: chain",
        f"    title: A chain of {n} sine layers",
        "    inputs: [x]",
        f"    parameters: [{parameters}]",
        "    graph:",
        "      f0: x",
    ]
    lines += [f"      f{k}: sin(w{k}*f{k - 1} + b{k})" for k in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def time_gradsym(n: int) -> tuple[float, bool]:
    from gradsym.problems import loads
    from gradsym.solution import solve

    start = time.perf_counter()
    problem = loads(chain_yaml(n), f"chain{n}").problems[0]
    solution = solve(problem)
    return time.perf_counter() - start, solution.agree


def time_naive(n: int, cap: float) -> str:
    start = time.perf_counter()
    try:
        run = subprocess.run(
            [sys.executable, "-c", NAIVE, str(n)],
            timeout=cap,
            capture_output=True,
            text=True,
        )
    except subprocess.TimeoutExpired:
        return f"> {cap:.0f} s (stopped)"
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["failed"])[-1]
        return f"failed after {elapsed:.1f} s: {last[:50]}"
    return f"{elapsed:.2f} s"


def cold(command: list[str], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,20,40,80,100,200,500,1000")
    parser.add_argument(
        "--cap",
        type=float,
        default=30.0,
        help="seconds allowed to naive SymPy per size",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"{'N':>6}  {'gradsym (derive+check)':>24}  {'naive sympy.diff':>28}")
    for n in sizes:
        seconds, agree = time_gradsym(n)
        verdict = "agree" if agree else "DISAGREE"
        naive = time_naive(n, args.cap)
        print(f"{n:>6}  {seconds:>10.2f} s ({verdict:>8})  {naive:>28}", flush=True)

    bare = cold([sys.executable, "-c", "import sympy"])
    graphs = cold([sys.executable, "-m", "gradsym", "check", *GRAPH_IDS])
    everything = cold([sys.executable, "-m", "gradsym", "check"])
    print()
    print(f"cold 'python -c \"import sympy\"': {bare:.2f} s")
    print(
        f"cold 'gradsym check' of the scalar graph problems: {graphs:.2f} s "
        f"({graphs / bare:.1f}x the bare import; aim: within 4x)"
    )
    print(
        f"cold 'gradsym check' of all seventeen problems: {everything:.2f} s "
        f"({everything / bare:.1f}x)"
    )


if __name__ == "__main__":
    main()
