"""A YAML syntax error as one line an operator can act on: the file, the line and column, what is wrong, and
the usual fix.

Why: PyYAML's own text spreads over six lines, names the file ``<unicode string>`` when it parsed a string,
and leads with its parser state ("while parsing a flow sequence") rather than the problem. The common
mistakes in hand-written KB, prompts and roster files are two: indentation, and a text holding a character
YAML reads as syntax (``[Ile kosztuje rower?]`` is not a list of one question in PyYAML).
"""

from __future__ import annotations

from pathlib import Path

import yaml

HINT = "check the indentation, and put texts with : ? # [ ] { } or a leading - in double quotes"


def describe_yaml_error(path: Path | str, exc: yaml.YAMLError) -> str:
    """``<path>: not valid YAML at line L, column C: <problem> (<context> at line N); <hint>``."""
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return f"{path}: not valid YAML: {' '.join(str(exc).split())}; {HINT}"
    mark = exc.problem_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    problem = exc.problem or "syntax error"
    context = ""
    if exc.context and exc.context_mark is not None and exc.context_mark.line != mark.line:
        context = f" ({exc.context} at line {exc.context_mark.line + 1})"
    return f"{path}: not valid YAML at {where}: {problem}{context}; {HINT}"
