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


def describe_not_utf8(path: Path | str, exc: UnicodeDecodeError) -> str:
    """``<path>: not UTF-8 at line L (byte 0xb3): save the file as UTF-8``. Why: a file saved in Windows-1250 or
    ISO-8859-2 (Polish letters) gave Python's "can't decode byte 0xb3 in position 26", which names neither the
    line nor the fix (and, for the roster, not even the file)."""
    data = exc.object if isinstance(exc.object, bytes) else b""
    if not data:
        return f"{path}: not UTF-8: save the file as UTF-8"
    line = data[: exc.start].count(b"\n") + 1
    return f"{path}: not UTF-8 at line {line} (byte 0x{data[exc.start]:02x}): save the file as UTF-8"
