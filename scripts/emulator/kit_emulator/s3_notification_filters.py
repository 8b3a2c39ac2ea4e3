"""The key filters of bucket notifications, as S3 takes and applies them.

S3 takes a FilterRule's Name in any case (`Prefix`, `prefix`) and lists it back as `Prefix` / `Suffix`; any other
name is refused with 400 InvalidArgument ("filter rule name must be either prefix or suffix", as moto and LocalStack
word it). moto answered 500 to `Prefix` (its parser asserts the lower-case form) and listed names as given.

S3 matches a filter against the key as its events carry it, form-URL-encoded: its documentation says to write a
space in a prefix or suffix as `+` and other special characters percent-encoded. moto matched the raw key, so a
filter `my docs/` fired here and never on AWS. Here the key is encoded as `quote_plus` does, keeping `/` (a filter
`images/` matches on AWS), and the events carry the key so (s3_events.py); which other characters S3 leaves unencoded
is not documented (letters, digits and `-_.~` are kept here).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

import xmltodict
from moto.s3.exceptions import InvalidFilterRuleName
from moto.s3.models import Notification
from moto.s3.responses import S3Response

_STORED_NAMES = {"prefix": "Prefix", "suffix": "Suffix"}


#: The destinations' kinds of a notification configuration, as moto parses it.
KINDS = ("TopicConfiguration", "QueueConfiguration", "CloudFunctionConfiguration")


def listed(value: Any) -> list[Any]:
    """A parsed XML element that may be absent, one, or several, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def entries_of(configuration: dict[str, Any]) -> list[dict[str, Any]]:
    """Every destination's entry of a notification configuration, whatever its kind."""
    return [entry for kind in KINDS for entry in listed(configuration.get(kind)) if isinstance(entry, dict)]


def filter_rules(filters: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The FilterRules of one entry's Filter."""
    return [rule for rule in listed(((filters or {}).get("S3Key") or {}).get("FilterRule")) if isinstance(rule, dict)]


def stored_name(name: Any) -> str:
    """A FilterRule's Name as S3 lists it back; any name but prefix or suffix (in any case) is refused as S3 refuses it."""
    stored = _STORED_NAMES.get(str(name).lower())
    if stored is None:
        raise InvalidFilterRuleName(str(name))
    return stored


def _all_filter_rules(configuration: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule for entry in entries_of(configuration) for rule in filter_rules(entry.get("Filter"))]


_moto_config_from_body = S3Response._notification_config_from_body


def _notification_config_from_body(self: S3Response) -> dict[str, Any]:
    # moto's parser takes only the lower-case names: it gets them so, and the configuration keeps S3's own.
    parsed = xmltodict.parse(self.body)
    rules = _all_filter_rules(parsed.get("NotificationConfiguration") or {})
    for rule in rules:
        if "Name" in rule:
            rule["Name"] = stored_name(rule["Name"]).lower()
    if rules:
        self.body = xmltodict.unparse(parsed)
    configuration = _moto_config_from_body(self)
    for rule in _all_filter_rules(configuration):
        rule["Name"] = stored_name(rule["Name"])
    return configuration


def event_key(key_name: str) -> str:
    """A key as S3's events carry it and its filters see it: form-URL-encoded, `/` kept."""
    return quote_plus(key_name, safe="/")


def key_matches(filters: dict[str, Any] | None, key_name: str) -> bool:
    """Whether a key passes a notification's prefix and suffix, compared with the key as the event carries it."""
    encoded = event_key(key_name)
    for rule in filter_rules(filters):
        name, value = str(rule.get("Name", "")).lower(), str(rule.get("Value", ""))
        if (name == "prefix" and not encoded.startswith(value)) or (name == "suffix" and not encoded.endswith(value)):
            return False
    return True


def _key_matches(self: Notification, key_name: str) -> bool:
    return key_matches(self.filters, key_name)


def install() -> None:
    S3Response._notification_config_from_body = _notification_config_from_body  # type: ignore[method-assign]
    Notification._key_matches = _key_matches  # type: ignore[method-assign]
