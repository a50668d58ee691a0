"""The problem-file loader: errors with positions, and the defaults."""

from __future__ import annotations

import textwrap

import pytest

from gradsym.errors import GradsymError, ProblemFileError
from gradsym.problems import load, loads

SOURCE = "problems-under-test.yaml"


def yaml_text(body: str) -> str:
    return textwrap.dedent(body).lstrip("\n")


def error_of(body: str) -> ProblemFileError:
    with pytest.raises(ProblemFileError) as caught:
        loads(yaml_text(body), SOURCE)
    error = caught.value
    assert error.file == SOURCE
    assert SOURCE in str(error)
    return error


def line_of(body: str, needle: str) -> int:
    """1-based number of the first line of ``body`` that contains ``needle``."""
    for number, line in enumerate(yaml_text(body).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def column_of(body: str, needle: str) -> int:
    line = yaml_text(body).splitlines()[line_of(body, needle) - 1]
    return line.index(needle) + 1


# -- errors --------------------------------------------------------------------------

DUPLICATE_NODE = """
problems:
  - id: "a"
    title: t
    inputs: [x]
    graph:
      y: x
      y: x**2
"""


def test_duplicate_graph_node():
    error = error_of(DUPLICATE_NODE)
    assert "Duplicate key 'y'" in error.reason
    assert error.line == line_of(DUPLICATE_NODE, "y: x**2")
    assert error.column == 7
    assert f"{SOURCE}:{error.line}:{error.column}" in str(error)


UNKNOWN_KEY = """
problems:
  - id: "a"
    tittle: t
    inputs: [x]
    graph:
      y: x
"""


def test_unknown_key_suggests_the_nearest():
    error = error_of(UNKNOWN_KEY)
    assert "Unknown key 'tittle'" in error.reason
    assert "Did you mean 'title'?" in error.reason
    assert error.problem == "a"
    assert error.line == line_of(UNKNOWN_KEY, "tittle")
    assert error.column is not None


MISSING_ID = """
problems:
  - title: t
    inputs: [x]
    graph:
      y: x
"""


def test_missing_id():
    error = error_of(MISSING_ID)
    assert "Missing 'id'" in error.reason
    assert error.line == line_of(MISSING_ID, "title: t")
    assert error.column == 5


DUPLICATE_ID = """
problems:
  - id: "a"
    title: t
    inputs: [x]
    graph:
      y: x
  - id: "a"
    title: t2
    inputs: [x]
    graph:
      y: x
"""


def test_duplicate_problem_ids():
    error = error_of(DUPLICATE_ID)
    assert "Duplicate problem id 'a'" in error.reason
    assert error.problem == "a"
    assert error.line == 7
    assert error.column is not None


INPUT_AS_NODE = """
problems:
  - id: "a"
    title: t
    inputs: [x]
    graph:
      x: 2
      y: x
"""


def test_input_that_is_also_a_node():
    error = error_of(INPUT_AS_NODE)
    assert "'x' is an input or parameter and also a graph node" in error.reason
    assert error.problem == "a"
    assert error.line == line_of(INPUT_AS_NODE, "x: 2")
    assert error.column is not None


UNDECLARED = """
problems:
  - id: "a"
    title: t
    inputs: [x]
    parameters: [omega]
    graph:
      y: omegaa*x
"""


def test_undeclared_name_suggests_the_nearest():
    error = error_of(UNDECLARED)
    assert "'omegaa' is not declared" in error.reason
    assert "Did you mean 'omega'?" in error.reason
    assert error.problem == "a"
    assert error.line == line_of(UNDECLARED, "omegaa")
    assert error.column is not None


LATER_NODE = """
problems:
  - id: "a"
    title: t
    inputs: [x]
    graph:
      y: z + x
      z: x**2
"""


def test_use_of_a_later_node():
    error = error_of(LATER_NODE)
    assert "'z'" in error.reason and "defined later" in error.reason
    assert error.problem == "a"
    assert error.line == line_of(LATER_NODE, "y: z + x")


CYCLE = """
problems:
  - id: "a"
    title: t
    inputs: [x]
    graph:
      a: c + x
      b: a*2
      c: b + 1
"""


def test_cycle_is_named():
    error = error_of(CYCLE)
    assert "cycle" in error.reason
    assert "a -> c -> b -> a" in error.reason
    assert error.problem == "a"
    assert error.line == line_of(CYCLE, "a: c + x")


SELF_CYCLE = """
problems:
  - id: "a"
    title: t
    inputs: [x]
    graph:
      a: a + x
"""


def test_node_using_itself_is_a_cycle():
    error = error_of(SELF_CYCLE)
    assert "a -> a" in error.reason


@pytest.mark.parametrize(
    "extra, needle, words",
    [
        (
            "    output: yy\n",
            "output: yy",
            ["'output' names 'yy'", "Did you mean 'y'?"],
        ),
        ("    wrt: [z]\n", "wrt: [z]", ["'wrt' names 'z'"]),
        ("    wrt: [xx]\n", "wrt: [xx]", ["'wrt' names 'xx'", "Did you mean 'x'?"]),
        (
            '    claims:\n      - of: q\n        wrt: x\n        value: "2*x"\n',
            "of: q",
            ["'of' names 'q'"],
        ),
        (
            '    claims:\n      - wrt: w\n        value: "2*x"\n',
            "wrt: w",
            ["'wrt' names 'w'"],
        ),
        (
            '    claims:\n      - wrt: x\n        value: "2*xx"\n',
            "2*xx",
            ["'xx'", "Did you mean 'x'?"],
        ),
    ],
)
def test_names_that_name_nothing(extra, needle, words):
    body = (
        yaml_text("""
        problems:
          - id: "a"
            title: t
            inputs: [x]
            graph:
              y: x**2
        """)
        + extra
    )
    error = error_of(body)
    for word in words:
        assert word in error.reason
    assert error.problem == "a"
    assert error.line == line_of(body, needle)
    assert error.column is not None


ALIAS = """
problems:
  - id: "a"
    title: t
    inputs: &names [x]
    parameters: *names
    graph:
      y: x**2
"""


def test_yaml_alias_is_refused():
    error = error_of(ALIAS)
    assert "alias" in error.reason
    assert error.line == line_of(ALIAS, "*names")
    assert error.column == column_of(ALIAS, "*names")


@pytest.mark.parametrize(
    "body", [DUPLICATE_NODE, ALIAS], ids=["duplicate-node", "alias"]
)
def test_yaml_level_errors_name_the_problem(body):
    # Every error names the problem it is in, when it is in one: these two are
    # inside problem "a", whose id precedes them in the file.
    error = error_of(body)
    assert error.problem == "a"
    assert "problem a" in str(error)


@pytest.mark.parametrize(
    "value_line, bad, reason",
    [
        ("      y: x + foo(x)", "foo", "Unknown function 'foo'"),
        ('      y: "x + foo(x)"', "foo", "Unknown function 'foo'"),
        ("      y: 'x + foo(x)'", "foo", "Unknown function 'foo'"),
        ("      y: x + x.real", ".real", "Unexpected character '.'"),
        ("      y:    2*x ** (", "**", "Expected"),
    ],
)
def test_bad_expression_reports_the_column_in_the_yaml_line(value_line, bad, reason):
    body = (
        yaml_text("""
        problems:
          - id: "a"
            title: t
            inputs: [x]
            graph:
        """)
        + value_line
        + "\n"
    )
    error = error_of(body)
    assert reason in error.reason
    assert error.problem == "a"
    assert error.line == 6
    if bad == "**":  # the error is at the end of the expression
        assert error.column == len(value_line) + 1
    else:
        assert error.column == value_line.index(bad) + 1


def test_bad_claim_value_reports_the_column_in_the_yaml_line():
    body = yaml_text("""
        problems:
          - id: "a"
            title: t
            inputs: [x]
            graph:
              y: x**2
            claims:
              - wrt: x
                value: "2*x.real"
        """)
    error = error_of(body)
    assert error.line == line_of(body, "x.real")
    assert error.column == column_of(body, ".real")


def test_bad_expression_in_a_block_scalar_reports_its_own_line():
    body = yaml_text("""
        problems:
          - id: "a"
            title: t
            inputs: [x]
            graph:
              y: >-
                x + foo(x)
        """)
    error = error_of(body)
    assert "Unknown function 'foo'" in error.reason
    assert error.line == line_of(body, "foo(x)")
    assert error.column == column_of(body, "foo(x)")


def test_limit_error_in_a_file_is_a_problem_file_error():
    error = error_of("""
        problems:
          - id: "a"
            title: t
            inputs: [x]
            graph:
              y: x**2000
        """)
    assert error.problem == "a"
    assert error.line == 6


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "'problems' list"),
        ("problems:\n", "non-empty list"),
        ("problems: [\n", "not valid YAML"),
        ("- a\n- b\n", "'problems' list"),
        (
            'problems:\n  - id: "a"\n    inputs: [x]\n    graph:\n      y: x\n',
            "Missing 'title'",
        ),
        ('problems:\n  - id: "a"\n    title: t\n    inputs: [x]\n', "'graph'"),
        (
            'problems:\n  - id: "a"\n    title: t\n    inputs: [x]\n    graph:\n      y: x\n'
            "    kind: tree\n",
            "Unknown kind 'tree'",
        ),
        (
            'problems:\n  - id: "a"\n    title: t\n    inputs: [x, x]\n    graph:\n      y: x\n',
            "declared twice",
        ),
        (
            'problems:\n  - id: "a"\n    title: t\n    inputs: [exp]\n    graph:\n      y: 1\n',
            "not a usable name",
        ),
        (
            'problems:\n  - id: "a"\n    title: t\n    inputs: [x]\n    graph:\n      y: 2\n'
            "extra: 1\n",
            "Unknown key 'extra'",
        ),
        (
            'problems:\n  - id: "a"\n    title: t\n    graph:\n      y: 2\n',
            "Nothing to differentiate",
        ),
        (
            "problems:\n  - id: yes\n    title: t\n    inputs: [x]\n    graph:\n      y: x\n",
            "'id' must be text",
        ),
    ],
)
def test_other_malformed_files(text, words):
    with pytest.raises(ProblemFileError) as caught:
        loads(text, SOURCE)
    assert words in caught.value.reason
    assert caught.value.file == SOURCE


def test_load_of_a_missing_file(tmp_path):
    with pytest.raises(ProblemFileError) as caught:
        load(tmp_path / "absent.yaml")
    assert caught.value.file == str(tmp_path / "absent.yaml")


def test_load_of_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes('problems:\n  - id: "é"\n'.encode("latin-1"))
    with pytest.raises(ProblemFileError):
        load(path)


def test_problem_file_errors_are_gradsym_errors():
    assert issubclass(ProblemFileError, GradsymError)


# -- defaults ------------------------------------------------------------------------


def test_output_defaults_to_the_last_node_and_wrt_to_the_parameters():
    problem = loads(
        yaml_text("""
        problems:
          - id: "a"
            title: t
            inputs: [x]
            parameters: [w, b]
            graph:
              h: w*x + b
              y: h**2
              z: y + 1
        """),
        SOURCE,
    ).problems[0]
    assert problem.output == "z"
    assert problem.wrt == ("w", "b")
    assert problem.inputs == ("x",)
    assert problem.parameters == ("w", "b")
    assert problem.graph.order == ("h", "y", "z")
    assert problem.kind == "graph"
    assert problem.statement == ""
    assert problem.claims == ()


def test_wrt_defaults_to_the_inputs_without_parameters():
    problem = loads(
        yaml_text("""
        problems:
          - id: "a"
            title: t
            inputs: [x, u]
            graph:
              y: x*u
        """),
        SOURCE,
    ).problems[0]
    assert problem.wrt == ("x", "u")
    assert problem.output == "y"


def test_claim_of_defaults_to_the_output():
    problem = loads(
        yaml_text("""
        problems:
          - id: "a"
            title: t
            inputs: [x]
            graph:
              h: x**2
              y: 3*h
            claims:
              - wrt: x
                value: "6*x"
        """),
        SOURCE,
    ).problems[0]
    assert problem.claims[0].of == "y"
    assert problem.claims[0].wrt == "x"
    assert problem.claims[0].text == "6*x"


@pytest.mark.parametrize(
    "written, expected",
    [
        ("7.10", "7.10"),
        ("7.1", "7.1"),
        ("'7.10'", "7.10"),
        ('"7.12"', "7.12"),
        ("12", "12"),
        ("1e3", "1e3"),
        ("007", "007"),
        ("ex_1", "ex_1"),
    ],
)
def test_ids_stay_as_written(written, expected):
    problem_set = loads(
        yaml_text(f"""
        problems:
          - id: {written}
            title: t
            inputs: [x]
            graph:
              y: x
        """),
        SOURCE,
    )
    assert problem_set.problems[0].id == expected
    assert problem_set.get(expected).id == expected


def test_unknown_id_suggests_the_nearest():
    with pytest.raises(GradsymError) as caught:
        load().get("7.99")
    assert "'7.99'" in str(caught.value)


def test_bundled_set():
    problem_set = load()
    assert [p.id for p in problem_set.problems] == [f"7.{n}" for n in range(1, 18)]
    p71 = problem_set.get("7.1")
    assert len(p71.parameters) == 13 and p71.wrt == p71.parameters
    assert problem_set.get("7.12").wrt == ("f5", "f4", "f3", "f2", "f1", "x")
    assert problem_set.get("7.2").output == "l_i"
