"""What ``infolinia check`` prints: the effective setup (secrets masked) and the findings, one per line.

Why print the setup: most go-live problems are a setting that is not what the operator thinks it is (an
unexported variable, a typo in a path). Secrets are recognised by name, so a setting added later
(``*_token``, ``*_key``, ``*_secret``, ``*_password``) is masked without touching this file; URLs lose
their password.
"""

from __future__ import annotations

from pydantic import BaseModel

from dialog.redis_urls import safe_url
from telephony.app.findings import Finding

SECRET_WORDS = ("token", "secret", "password", "key")
LABELS = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


NOT_SECRET = frozenset({"rate_limit_token"})  # a rate ("600/minute") per token, not a token


def is_secret(name: str) -> bool:
    if name in NOT_SECRET:
        return False
    return any(word in name.split("_") or name.endswith(word) for word in SECRET_WORDS)


def mask(value: str) -> str:
    """'set (…a1b2)' for a long secret, 'set' for a short one, 'not set' for none: enough to tell two apart."""
    if not value:
        return "not set"
    return f"set (…{value[-4:]})" if len(value) >= 16 else "set"


def effective_setup(settings: BaseModel) -> list[tuple[str, str]]:
    """(environment variable, value as used) for every setting, secrets masked."""
    rows = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if is_secret(name):
            shown = mask(str(value or ""))
        elif value is None:
            shown = "(unset)"
        elif value == "":
            shown = "(empty)"
        elif isinstance(value, str) and "://" in value:
            shown = safe_url(value)
        else:
            shown = str(value)
        rows.append((f"INFOLINIA_{name.upper()}", shown))
    return rows


def render(settings: BaseModel, findings: list[Finding]) -> str:
    rows = effective_setup(settings)
    width = max(len(name) for name, _ in rows)
    lines = ["Effective setup:"] + [f"  {name:<{width}}  {value}" for name, value in rows]
    lines += ["", "Checks:"]
    what_width = max(len(f.what) for f in findings)
    indent = "\n" + " " * (what_width + 10)  # a detail of several lines (a KB's problems) stays in its column
    for f in findings:
        detail = f.detail.replace("\n", indent)
        lines.append(f"  {LABELS[f.level]}  {f.what:<{what_width}}  {detail}")
    failed = [f.what for f in findings if f.level == "fail"]
    warned = [f.what for f in findings if f.level == "warn"]
    lines.append("")
    if failed:
        lines.append(f"NOT READY: {len(failed)} problem(s): {', '.join(dict.fromkeys(failed))}")
    else:
        lines.append("Ready to go live" + (f" ({len(warned)} warning(s): {', '.join(warned)})" if warned else "."))
    return "\n".join(lines)
