"""Invalid settings as an operator reads them: one line per problem, named by its environment variable.

Why not pydantic's own text: it names the field (``port``), not the variable the operator set
(``INFOLINIA_PORT``), spreads one problem over three lines with a documentation link, and would echo a
secret's value. Here each line is ``INFOLINIA_NAME='value': what is wrong``, secrets without their value
and a URL without its password (a malformed one too: ``safe_url`` cannot parse ``redis:/:pw@host``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from telephony.app.check_report import is_secret

HEADER = "infolinia: invalid settings (fix them in the environment or docker/.env):"
HIDDEN = frozenset({"api_keys"})  # digests, not secrets, but the usual mistake there is the key itself
_USERINFO_PASSWORD = re.compile(r":[^:/@?#]*@")  # "user:pw@" or ":pw@", wherever the URL went wrong
_QUERY_PASSWORD = re.compile(r"((?:^|[?&])(?:sentinel_)?password=)[^&#]*")


def describe_settings_errors(exc: ValidationError) -> list[str]:
    """The lines to print (a header, then one per problem, sorted by variable), for ``Settings()``'s error."""
    lines = []
    for err in exc.errors():
        field, *inner = [str(part) for part in err["loc"]] or ["?"]
        name = f"INFOLINIA_{field.upper()}"
        message = err["msg"].removeprefix("Value error, ")
        if is_secret(field) or field in HIDDEN:
            lines.append(f"  {name} (value hidden): {message}")
        elif inner:
            lines.append(f"  {name}: {'.'.join(inner)}={_shown(field, err.get('input'))!r}: {message}")
        else:
            lines.append(f"  {name}={_shown(field, err.get('input'))!r}: {message}")
    return [HEADER, *sorted(lines)]


def _shown(field: str, value: Any) -> Any:
    """The value as printed: a URL setting's passwords (user info, ``password=``) replaced by ``***``."""
    if not field.endswith("_url") or not isinstance(value, str):
        return value
    return _QUERY_PASSWORD.sub(r"\1***", _USERINFO_PASSWORD.sub(":***@", value))
