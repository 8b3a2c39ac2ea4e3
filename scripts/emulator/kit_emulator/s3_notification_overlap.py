"""S3's refusal of a bucket notification configuration whose rules overlap: two destinations (functions, queues,
topics alike) for one event type whose key filters can both match a key. S3 answers 400 InvalidArgument
("Configuration is ambiguously defined …", as AWS's knowledge center quotes it); moto took such a configuration
and delivered each event once per rule, so a second trigger beside the template's doubled every invocation here
and failed the deploy on AWS.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from .s3_notification_filters import entries_of, filter_rules, listed

AMBIGUOUS = ("Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes "
             "are overlapping for the same event type.")


def _filter_of(rule: dict[str, Any]) -> tuple[str, str]:
    """A rule's prefix and suffix (empty when it has none), from moto's parsed configuration."""
    found = {"prefix": "", "suffix": ""}
    for entry in filter_rules(rule.get("Filter")):
        name = str(entry.get("Name", "")).lower()
        if name in found:
            found[name] = str(entry.get("Value", ""))
    return found["prefix"], found["suffix"]


def _events_overlap(first: str, second: str) -> bool:
    """s3:ObjectCreated:* covers s3:ObjectCreated:Put; otherwise only the same event type overlaps."""
    if first == second:
        return True
    for wide, narrow in ((first, second), (second, first)):
        if wide.endswith(":*") and narrow.startswith(wide[:-1]):
            return True
    return False


def _rules_overlap(first: dict[str, Any], second: dict[str, Any]) -> bool:
    if not any(_events_overlap(a, b) for a in listed(first.get("Event")) for b in listed(second.get("Event"))):
        return False
    (prefix_a, suffix_a), (prefix_b, suffix_b) = _filter_of(first), _filter_of(second)
    prefixes = prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a)
    suffixes = suffix_a.endswith(suffix_b) or suffix_b.endswith(suffix_a)
    return prefixes and suffixes


def ambiguity(config: dict[str, Any]) -> str | None:
    """S3's message when two rules of a notification configuration overlap, else None."""
    rules = entries_of(config)
    return AMBIGUOUS if any(_rules_overlap(a, b) for a, b in combinations(rules, 2)) else None
