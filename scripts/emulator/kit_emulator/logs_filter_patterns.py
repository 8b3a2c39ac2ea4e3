"""CloudWatch Logs' JSON filter patterns in FilterLogEvents, which moto 5.2.5 does not know: it answers a pattern
such as `{ $.outcome = "receipt_sent" || $.outcome = "notify_failed" }` with every event of the range. CloudWatch
Logs sends only the JSON events whose fields match, and none that is not JSON, so a pattern that names a field the
function never logs matches nothing there: here it matched everything, and a page reading through it looked right.

Taken here: string equality of a property (`$.a.b = "text"`, the text without a wildcard or an escape), joined by
`&&` or by `||` (one of the two at each level; parentheses nest them). Any other pattern keeps moto's own reading
(terms and quoted phrases; everything for the rest), as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from moto.logs import models as logs_models

_moto_filter = logs_models.EventMessageFilter

_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<op>&&|\|\|)|(?P<selector>\$(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*=\s*"(?P<text>[^"*\\]*)")')

Match = Callable[[Any], bool]


class Unsupported(Exception):
    """A pattern this module does not read: moto's reading stands."""


def _tokens(expression: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    while position < len(expression.rstrip()):
        found = _TOKEN.match(expression, position)
        if not found:
            raise Unsupported()
        if found["selector"]:
            tokens.append(("equals", (found["selector"].split(".")[1:], found["text"])))
        else:
            kind = "open" if found["open"] else "close" if found["close"] else "op"
            tokens.append((kind, found[kind]))
        position = found.end()
    return tokens


def _equals(path: list[str], text: str) -> Match:
    def match(document: Any) -> bool:
        for name in path:
            if not isinstance(document, dict) or name not in document:
                return False
            document = document[name]
        return document == text

    return match


def _parse(tokens: list[tuple[str, Any]], start: int) -> tuple[Match, int]:
    """One level of the expression from `start`: its terms and the one operator that joins them."""
    terms: list[Match] = []
    operator: str | None = None
    position = start
    while True:
        if position >= len(tokens):
            raise Unsupported()
        kind, value = tokens[position]
        if kind == "equals":
            terms.append(_equals(*value))
            position += 1
        elif kind == "open":
            inner, position = _parse(tokens, position + 1)
            if position >= len(tokens) or tokens[position][0] != "close":
                raise Unsupported()
            terms.append(inner)
            position += 1
        else:
            raise Unsupported()
        if position >= len(tokens) or tokens[position][0] == "close":
            break
        kind, value = tokens[position]
        if kind != "op" or (operator is not None and value != operator):
            raise Unsupported()
        operator = value
        position += 1
    joined = all if operator == "&&" else any
    return (lambda document: joined(term(document) for term in terms)), position


@lru_cache(maxsize=64)
def json_pattern_match(pattern: str) -> Callable[[str], bool] | None:
    """Whether a message matches a JSON filter pattern this module reads; None for any other pattern."""
    stripped = pattern.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        tokens = _tokens(stripped[1:-1])
        match, position = _parse(tokens, 0)
    except Unsupported:
        return None
    if position != len(tokens):
        return None

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and match(document)

    return matches


class _EventMessageFilter:
    # moto makes one for each event it looks at: the pattern is read once (json_pattern_match keeps it).
    def __init__(self, pattern: str) -> None:
        self._matches = json_pattern_match(pattern or "") or _moto_filter(pattern).matches

    def matches(self, message: str) -> bool:
        return self._matches(message)


def install() -> None:
    logs_models.EventMessageFilter = _EventMessageFilter  # type: ignore[misc]
