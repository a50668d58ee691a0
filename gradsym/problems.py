"""Problem files: safe YAML, validated against the schema before any maths."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sympy
import yaml

from gradsym.errors import ExpressionError, GradsymError, LimitError, ProblemFileError
from gradsym.expressions import is_name, nearest, parse, symbol
from gradsym.graph import Graph
from gradsym.kinds import MODULES
from gradsym.kinds import get as get_kind

MAX_FILE_BYTES = 2_000_000
MAX_PROBLEMS = 1_000
MAX_NODES = 5_000

COMMON_KEYS = ("id", "title", "statement", "kind")
GRAPH_KEYS = COMMON_KEYS + (
    "inputs",
    "parameters",
    "graph",
    "output",
    "wrt",
    "claims",
    "mode_cost",
)
CLAIM_KEYS = ("of", "wrt", "value")
KINDS = ("graph", *MODULES)

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Claim:
    """An answer somebody stated: d(of)/d(wrt) = value."""

    of: str
    wrt: str
    text: str
    value: sympy.Expr


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    statement: str
    kind: str
    inputs: tuple[str, ...]
    parameters: tuple[str, ...]
    graph: Graph
    output: str
    wrt: tuple[str, ...]
    claims: tuple[Claim, ...]
    mode_cost: tuple[int, ...] = ()  # parameter counts for a table of mode costs

    @property
    def names(self) -> set[str]:
        return set(self.graph.position)


@dataclass(frozen=True)
class KindProblem:
    """A problem of a kind beyond scalar graphs, with its validated settings."""

    id: str
    title: str
    statement: str
    kind: str
    settings: Any


AnyProblem = Problem | KindProblem


@dataclass(frozen=True)
class ProblemSet:
    source: str
    problems: tuple[AnyProblem, ...]

    def get(self, problem_id: str) -> AnyProblem:
        for problem in self.problems:
            if problem.id == problem_id:
                return problem
        ids = [p.id for p in self.problems]
        raise GradsymError(
            f"No problem {problem_id!r} in {self.source}.{nearest(problem_id, ids)} "
            "'gradsym list' shows the ids."
        )


def bundled_path() -> Path:
    """The problem set that ships with gradsym."""
    packaged = resources.files("gradsym") / "problems.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "problems.yaml"


def load(path: str | Path | None = None) -> ProblemSet:
    """Read, check and build every problem of a problem file."""
    path = Path(path) if path is not None else bundled_path()
    label = str(path) if path != bundled_path() else "problems.yaml (bundled)"
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ProblemFileError(
            f"Cannot read the problem file: {error.strerror or error}.", str(path)
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ProblemFileError(
            f"The file is larger than the limit of {MAX_FILE_BYTES} bytes; split it "
            "into several problem files.",
            label,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemFileError(
            f"The file is not UTF-8 text (byte {error.start}).", label
        ) from None
    return loads(text, label)


def loads(text: str, source: str = "<text>") -> ProblemSet:
    """Build a problem set from the text of a problem file."""
    document, marks = _read_yaml(text, source)
    return _Validator(source, marks).problem_set(document)


# -- YAML with positions ------------------------------------------------------


Marks = dict[Path_, Any]  # path -> (line, column); path + ("block",) -> lines


def _read_yaml(text: str, source: str) -> tuple[Any, Marks]:
    _check_nesting(text, source)
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                raise ProblemFileError(
                    "YAML aliases (*name) are not allowed in problem files; write "
                    "the value out.",
                    source,
                    _problem_at(node, mark.line),
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise ProblemFileError(
            f"The file is not valid YAML: {error.problem}.",
            source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as error:
        line, column = _line_column(text, error.position)
        code = error.character
        code = code if isinstance(code, int) else ord(code)
        raise ProblemFileError(
            f"The file holds a character YAML does not allow (U+{code:04X}); "
            "remove it.",
            source,
            line=line,
            column=column,
        ) from None
    except yaml.YAMLError as error:
        raise ProblemFileError(
            f"The file is not valid YAML: {error}.", source
        ) from None
    except RecursionError:
        raise ProblemFileError(
            "The file nests its YAML too deeply to read.", source
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    marks: Marks = {}
    if node is None:
        return None, marks
    try:
        return _plain(node, (), marks, source), marks
    except ProblemFileError as error:
        line = (error.line or 1) - 1
        raise ProblemFileError(
            error.reason, source, _problem_at(node, line), error.line, error.column
        ) from None


MAX_NESTING = 40  # levels of YAML structure: problem files need about five
MAX_INDENT = 200  # columns of indentation


def _check_nesting(text: str, source: str) -> None:
    """Refuse deeply nested YAML before PyYAML, whose cost grows with depth.

    Brackets are counted line by line (a flow collection this deep fits on one
    line in any attack worth making), ignoring those in quotes and comments.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if indent > MAX_INDENT:
            raise ProblemFileError(
                f"The line is indented by {indent} columns, more than the limit of "
                f"{MAX_INDENT}.",
                source,
                line=number,
                column=1,
            )
        depth = 0
        quote = ""
        for column, char in enumerate(line, start=1):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#":
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    raise ProblemFileError(
                        f"The YAML nests deeper than {MAX_NESTING} levels here.",
                        source,
                        line=number,
                        column=column,
                    )
            elif char in "]}":
                depth = max(depth - 1, 0)


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _problem_at(root: yaml.Node | None, line: int) -> str | None:
    """The id of the problem whose entry spans ``line`` (0-based), if any."""
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if key.value != "problems" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            spans = item.start_mark.line <= line <= item.end_mark.line
            if spans and isinstance(item, yaml.MappingNode):
                for field_key, field_value in item.value:
                    if field_key.value == "id" and isinstance(
                        field_value, yaml.ScalarNode
                    ):
                        return str(field_value.value)
    return None


def _plain(node: yaml.Node, path: Path_, marks: Marks, source: str) -> Any:
    """Convert a YAML node to plain data, refusing duplicate keys and tags."""
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _PLAIN_TAGS:
        raise _at(
            source,
            node,
            f"The YAML tag {node.tag!r} is not allowed in problem files; write "
            "plain values.",
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _at(source, key_node, "Mapping keys must be plain words.")
            key = key_node.value
            if key in result:
                raise _at(
                    source,
                    key_node,
                    f"Duplicate key {key!r}: each key may appear once (the first is "
                    f"at line {marks[path + (key,)][0]}).",
                )
            result[key] = _plain(value_node, path + (key,), marks, source)
            marks[path + (key,)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            _mark_value(value_node, path + (key,), marks)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _plain(item, path + (i,), marks, source)
            for i, item in enumerate(node.value)
        ]
    if node.tag == "tag:yaml.org,2002:null":
        return None
    if node.tag == "tag:yaml.org,2002:bool":
        return node.value.lower() in ("true", "yes", "on")
    if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return _Number(node.value)
    if any("\ud800" <= char <= "\udfff" for char in node.value):
        raise _at(
            source,
            node,
            "The text holds a lone surrogate (an escape such as \\ud800), which is "
            "not a character; remove it.",
        )
    return node.value


def _mark_value(node: yaml.Node, path: Path_, marks: Marks) -> None:
    """Where a mapping value's text starts, so errors inside it point there.

    A quoted scalar's text starts one column after its quote.  A block
    scalar (| or >) starts on the next line; its source lines are kept so
    that a column in the text can be turned into a line and column.
    """
    style = getattr(node, "style", None)
    quoted = 1 if style in ("'", '"') else 0
    marks[path + ("=",)] = (
        node.start_mark.line + 1,
        node.start_mark.column + 1 + quoted,
    )
    buffer = getattr(node.start_mark, "buffer", None)
    if style in ("|", ">") and isinstance(buffer, str):
        first = node.start_mark.line + 1
        lines = buffer.split("\n")[first : node.end_mark.line + 1]
        marks[path + ("block",)] = (first + 1, lines)


_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}


class _Number(str):
    """A YAML number kept as written, so that id 7.10 stays '7.10'."""


def _at(source: str, node: yaml.Node, message: str) -> ProblemFileError:
    return ProblemFileError(
        message,
        source,
        line=node.start_mark.line + 1,
        column=node.start_mark.column + 1,
    )


# -- the schema ---------------------------------------------------------------


class _Validator:
    def __init__(self, source: str, marks: Marks):
        self.source = source
        self.marks = marks
        self.problem_id: str | None = None

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """Line and column of a value (or of its key, if it has no value)."""
        found = self.marks.get(path + ("=",), self.marks.get(path))
        return found if found is not None else (None, None)

    def error(self, path: Path_, message: str) -> ProblemFileError:
        """An error at a value (or, where it has none, at its key)."""
        line, column = self.where(path)
        return ProblemFileError(message, self.source, self.problem_id, line, column)

    def key_error(self, path: Path_, message: str) -> ProblemFileError:
        """An error about a mapping key itself, placed at the key."""
        line, column = self.marks.get(path, (None, None))
        return ProblemFileError(message, self.source, self.problem_id, line, column)

    def problem_set(self, document: Any) -> ProblemSet:
        if isinstance(document, dict):
            self.keys(document, (), ("problems",))
        if not isinstance(document, dict) or "problems" not in document:
            raise self.error((), "A problem file is a mapping with a 'problems' list.")
        entries = document["problems"]
        if not isinstance(entries, list) or not entries:
            raise self.error(("problems",), "'problems' must be a non-empty list.")
        if len(entries) > MAX_PROBLEMS:
            raise self.error(("problems",), f"More than {MAX_PROBLEMS} problems.")
        problems: list[AnyProblem] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            self.problem_id = None
            problem = self.problem(entry, ("problems", index))
            if problem.id in seen:
                raise self.error(
                    ("problems", index, "id"),
                    f"Duplicate problem id {problem.id!r} (also problem number "
                    f"{seen[problem.id] + 1} of the list); ids must be unique.",
                )
            seen[problem.id] = index
            problems.append(problem)
        return ProblemSet(self.source, tuple(problems))

    def keys(
        self, mapping: dict[str, Any], path: Path_, known: tuple[str, ...]
    ) -> None:
        for key in mapping:
            if key not in known:
                raise self.key_error(
                    path + (key,),
                    f"Unknown key {key!r}.{nearest(key, set(known))} "
                    f"The keys here are: {', '.join(known)}.",
                )

    def text(
        self, mapping: dict[str, Any], key: str, path: Path_, required: bool = True
    ) -> str:
        if key not in mapping or mapping[key] is None:
            if required:
                raise self.error(path, f"Missing {key!r}: every problem needs one.")
            return ""
        value = mapping[key]
        if not isinstance(value, str):
            raise self.error(
                path + (key,), f"{key!r} must be text, not {_kind(value)}."
            )
        return str(value)

    def names(self, mapping: dict[str, Any], key: str, path: Path_) -> list[str]:
        value = mapping.get(key)
        if value is None:
            return []
        if isinstance(value, str) and not isinstance(value, _Number):
            value = [value]
        if not isinstance(value, list):
            raise self.error(path + (key,), f"{key!r} must be a list of names.")
        for index, name in enumerate(value):
            self.check_name(name, path + (key, index), key)
        return [str(name) for name in value]

    def check_name(self, name: Any, path: Path_, what: str) -> None:
        if not isinstance(name, str) or not is_name(name):
            raise self.error(
                path,
                f"{name!r} in {what!r} is not a usable name: use a letter followed by "
                "letters, digits or '_', and not a function name or 'pi'.",
            )

    def problem(self, entry: Any, path: Path_) -> AnyProblem:
        if not isinstance(entry, dict):
            raise self.error(path, "Each problem must be a mapping with id, title, ...")
        if "id" not in entry or entry["id"] is None:
            raise self.error(path, "Missing 'id': every problem needs a unique id.")
        if not isinstance(entry["id"], str):
            raise self.error(path + ("id",), "'id' must be text such as \"7.12\".")
        self.problem_id = str(entry["id"])
        kind = self.text(entry, "kind", path, required=False) or "graph"
        if kind not in KINDS:
            raise self.error(
                path + ("kind",),
                f"Unknown kind {kind!r}.{nearest(kind, set(KINDS))} "
                f"The kinds are: {', '.join(KINDS)}.",
            )
        if kind != "graph":
            return self.kind_problem(entry, path, kind)
        self.keys(entry, path, GRAPH_KEYS)
        inputs = self.names(entry, "inputs", path)
        parameters = self.names(entry, "parameters", path)
        leaves = self.leaves(inputs, parameters, path)
        graph = self.graph(entry, path, leaves)
        output = self.output(entry, path, graph)
        wrt = self.wrt(entry, path, graph, inputs, parameters)
        claims = self.claims(entry, path, graph, output)
        return Problem(
            id=self.problem_id,
            title=self.text(entry, "title", path),
            statement=self.text(entry, "statement", path, required=False),
            kind=kind,
            inputs=tuple(inputs),
            parameters=tuple(parameters),
            graph=graph,
            output=output,
            wrt=tuple(wrt),
            claims=tuple(claims),
            mode_cost=tuple(
                self.integers(entry, "mode_cost", path, minimum=1, maximum=1_000_000)
            ),
        )

    def kind_problem(
        self, entry: dict[str, Any], path: Path_, kind: str
    ) -> KindProblem:
        spec = get_kind(kind)
        self.keys(entry, path, COMMON_KEYS + spec.keys)
        return KindProblem(
            id=str(self.problem_id),
            title=self.text(entry, "title", path),
            statement=self.text(entry, "statement", path, required=False),
            kind=kind,
            settings=spec.build(entry, self, path),
        )

    # -- checks that kinds use too ---------------------------------------------

    def integer(
        self,
        entry: dict[str, Any],
        key: str,
        path: Path_,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int:
        """A whole number within bounds; ``default`` when absent (if given)."""
        if entry.get(key) is None:
            if default is None:
                raise self.error(path, f"Missing {key!r}: a whole number.")
            return default
        return self.whole(entry[key], path + (key,), key, minimum, maximum)

    def integers(
        self,
        entry: dict[str, Any],
        key: str,
        path: Path_,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> list[int]:
        """A list of whole numbers within bounds; [] when absent."""
        value = entry.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(path + (key,), f"{key!r} must be a list of whole numbers.")
        return [
            self.whole(item, path + (key, i), key, minimum, maximum)
            for i, item in enumerate(value)
        ]

    def whole(
        self,
        value: Any,
        path: Path_,
        key: str,
        minimum: int | None,
        maximum: int | None,
    ) -> int:
        digits = str(value).lstrip("-")
        if (
            not isinstance(value, _Number)
            or not digits.isascii()
            or not digits.isdigit()
        ):
            raise self.error(path, f"{key!r} must be a whole number, not {value!r}.")
        if len(digits) > 15:
            raise self.error(
                path,
                f"{key!r} must be between {minimum} and {maximum}; it has "
                f"{len(digits)} digits.",
            )
        number = int(value)
        if (minimum is not None and number < minimum) or (
            maximum is not None and number > maximum
        ):
            raise self.error(
                path, f"{key!r} must be between {minimum} and {maximum}, not {number}."
            )
        return number

    def choice(
        self,
        entry: dict[str, Any],
        key: str,
        path: Path_,
        choices: tuple[str, ...],
        default: str | None = None,
    ) -> str:
        value = entry.get(key)
        if value is None:
            if default is None:
                raise self.error(path, f"Missing {key!r}: one of {', '.join(choices)}.")
            return default
        if value not in choices:
            raise self.error(
                path + (key,),
                f"{key!r} must be one of "
                f"{', '.join(choices)}, not {value!r}."
                f"{nearest(str(value), set(choices))}",
            )
        return str(value)

    def leaves(
        self, inputs: list[str], parameters: list[str], path: Path_
    ) -> tuple[str, ...]:
        seen: set[str] = set()
        for key, names in (("inputs", inputs), ("parameters", parameters)):
            for index, name in enumerate(names):
                if name in seen:
                    raise self.error(
                        path + (key, index),
                        f"{name!r} is declared twice among the inputs and parameters.",
                    )
                seen.add(name)
        return tuple(inputs + parameters)

    def graph(
        self, entry: dict[str, Any], path: Path_, leaves: tuple[str, ...]
    ) -> Graph:
        definitions = entry.get("graph")
        if not isinstance(definitions, dict) or not definitions:
            raise self.error(
                path + ("graph",) if "graph" in entry else path,
                "'graph' must be a mapping of node names to expressions, in order.",
            )
        if len(definitions) > MAX_NODES:
            raise self.error(
                path + ("graph",),
                f"The graph has {len(definitions)} nodes, more than the limit of "
                f"{MAX_NODES}; split the problem.",
            )
        for name in definitions:
            if not is_name(name):
                raise self.key_error(
                    path + ("graph", name),
                    f"{name!r} in 'graph' is not a usable name: use a letter followed "
                    "by letters, digits or '_', and not a function name or 'pi'.",
                )
            if name in leaves:
                raise self.key_error(
                    path + ("graph", name),
                    f"{name!r} is an input or parameter and also a graph node; "
                    "rename one of them.",
                )
        nodes: dict[str, sympy.Expr] = {}
        for name, text in definitions.items():
            where = path + ("graph", name)
            expr = self.expression(text, where)
            self.check_scope(expr, where, leaves, nodes, definitions)
            nodes[name] = expr
        return Graph(leaves=leaves, nodes=nodes)

    def expression(self, text: Any, path: Path_) -> sympy.Expr:
        if not isinstance(text, str):
            raise self.error(
                path, f"Expected an expression as text, not {_kind(text)}."
            )
        try:
            return parse(str(text))
        except ExpressionError as error:
            line, column = self.position(path, text, error.column)
            raise ProblemFileError(
                f"{error}.", self.source, self.problem_id, line, column
            ) from None
        except LimitError as error:
            raise self.error(path, str(error)) from None

    def position(
        self, path: Path_, text: str, offset: int | None
    ) -> tuple[int | None, int | None]:
        """The file's line and column of the ``offset``-th character of a value."""
        line, start = self.where(path)
        if offset is None:
            return line, None
        block = self.marks.get(path + ("block",))
        if block is not None:
            first, lines = block
            remaining = offset - 1
            for index, source_line in enumerate(lines):
                content = source_line.strip()
                if remaining <= len(content):
                    indent = len(source_line) - len(source_line.lstrip())
                    return first + index, indent + remaining + 1
                remaining -= len(content) + 1
            return first, None
        if "\n" in text or start is None:
            return line, None
        return line, start + offset - 1

    def check_scope(
        self,
        expr: sympy.Expr,
        path: Path_,
        leaves: tuple[str, ...],
        nodes: dict[str, sympy.Expr],
        definitions: dict[str, Any],
    ) -> None:
        known = set(leaves) | set(nodes)
        for name in sorted(s.name for s in expr.free_symbols):
            if name in known:
                continue
            if name in definitions:
                node = path[-1]
                cycle = _cycle(node, definitions)
                if cycle:
                    raise self.error(
                        path,
                        f"The graph has a cycle: {' -> '.join(cycle)}; a graph node "
                        "may use only inputs, parameters and earlier nodes.",
                    )
                raise self.error(
                    path,
                    f"Node {node!r} uses {name!r}, which is defined later in the "
                    "graph; move its definition above.",
                )
            raise self.error(
                path,
                f"{name!r} is not declared.{nearest(name, known)} Add it to the "
                "inputs or parameters, or define it earlier in the graph.",
            )

    def output(self, entry: dict[str, Any], path: Path_, graph: Graph) -> str:
        if entry.get("output") is None:
            return graph.order[-1]
        output = entry["output"]
        if output not in graph.nodes:
            raise self.error(
                path + ("output",),
                f"'output' names {output!r}, which is not a graph node."
                f"{nearest(str(output), set(graph.nodes))}",
            )
        return str(output)

    def wrt(
        self,
        entry: dict[str, Any],
        path: Path_,
        graph: Graph,
        inputs: list[str],
        parameters: list[str],
    ) -> list[str]:
        if entry.get("wrt") is None:
            default = parameters or inputs
            if not default:
                raise self.error(
                    path,
                    "Nothing to differentiate with respect to: "
                    "declare inputs or parameters, or give 'wrt'.",
                )
            return default
        names = self.names(entry, "wrt", path)
        for index, name in enumerate(names):
            if name in names[:index]:
                raise self.error(path + ("wrt", index), f"'wrt' names {name!r} twice.")
            if name not in graph.position:
                raise self.error(
                    path + ("wrt", index),
                    f"'wrt' names {name!r}, which is not an input, parameter or "
                    f"graph node.{nearest(name, set(graph.position))}",
                )
        return names

    def claims(
        self, entry: dict[str, Any], path: Path_, graph: Graph, output: str
    ) -> list[Claim]:
        raw = entry.get("claims") or []
        if not isinstance(raw, list):
            raise self.error(path + ("claims",), "'claims' must be a list.")
        claims = []
        for index, item in enumerate(raw):
            where = path + ("claims", index)
            if not isinstance(item, dict):
                raise self.error(where, "Each claim is a mapping with of, wrt, value.")
            self.keys(item, where, CLAIM_KEYS)
            for key in ("wrt", "value"):
                if item.get(key) is None:
                    raise self.error(where, f"The claim is missing {key!r}.")
            claims.append(self.claim(item, where, graph, output))
        return claims

    def claim(
        self, item: dict[str, Any], path: Path_, graph: Graph, output: str
    ) -> Claim:
        of = str(item.get("of") or output)
        wrt = str(item["wrt"])
        if of not in graph.nodes:
            raise self.error(
                path + ("of",),
                f"The claim's 'of' names {of!r}, which is "
                f"not a graph node.{nearest(of, set(graph.nodes))}",
            )
        if wrt not in graph.position:
            raise self.error(
                path + ("wrt",),
                f"The claim's 'wrt' names {wrt!r}, which "
                "is not an input, parameter or graph node."
                f"{nearest(wrt, set(graph.position))}",
            )
        text = item["value"]
        value = self.expression(text, path + ("value",))
        unknown = {s.name for s in value.free_symbols} - set(graph.position)
        if unknown:
            name = sorted(unknown)[0]
            raise self.error(
                path + ("value",),
                f"The claim uses {name!r}, which is not "
                f"declared.{nearest(name, set(graph.position))}",
            )
        return Claim(of=of, wrt=wrt, text=str(text), value=value)


def _cycle(start: str, definitions: dict[str, Any]) -> list[str]:
    """A cycle through ``start`` among the raw definitions, or []."""

    def uses(name: str) -> list[str]:
        try:
            expr = parse(str(definitions[name]))
        except GradsymError:
            return []
        return sorted(s.name for s in expr.free_symbols if s.name in definitions)

    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, trail = stack.pop()
        for used in uses(name):
            if used == start:
                return trail + [start]
            if used not in seen:
                seen.add(used)
                stack.append((used, trail + [used]))
    return []


def _kind(value: Any) -> str:
    if isinstance(value, _Number):
        return "a number"
    return {
        dict: "a mapping",
        list: "a list",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def parse_claim(text: str, problem: Problem) -> Claim:
    """A claim from the command line: 'WRT=VALUE' or 'OF/WRT=VALUE'."""
    head, sep, value_text = text.partition("=")
    if not sep or not head.strip() or not value_text.strip():
        raise GradsymError(
            f"--claim {text!r} is not of the form WRT=VALUE or OF/WRT=VALUE, "
            "for example --claim 'x=exp(x)'."
        )
    of, slash, wrt = head.strip().rpartition("/")
    of = of.strip() if slash else problem.output
    wrt = wrt.strip()
    if of not in problem.graph.nodes:
        raise GradsymError(
            f"--claim {text!r}: {of!r} is not a node of problem {problem.id}."
            f"{nearest(of, set(problem.graph.nodes))}"
        )
    if wrt not in problem.graph.position:
        raise GradsymError(
            f"--claim {text!r}: {wrt!r} is not an input, parameter or node of problem "
            f"{problem.id}.{nearest(wrt, set(problem.graph.position))}"
        )
    try:
        value = parse(value_text)
    except ExpressionError as error:
        raise GradsymError(f"--claim {text!r}: {error}.") from None
    unknown = {s.name for s in value.free_symbols} - problem.names
    if unknown:
        name = sorted(unknown)[0]
        raise GradsymError(
            f"--claim {text!r} uses {name!r}, which problem {problem.id} does not "
            f"declare.{nearest(name, problem.names)}"
        )
    return Claim(of=of, wrt=wrt, text=value_text.strip(), value=value)


__all__ = [
    "AnyProblem",
    "Claim",
    "KindProblem",
    "Problem",
    "ProblemSet",
    "load",
    "loads",
    "parse_claim",
    "symbol",
]
