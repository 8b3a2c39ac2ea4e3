"""SNS's rules for a message's Subject, which moto 5.2.5 checks only for length: a Subject must begin with a
letter, a number or a punctuation mark and hold no line break or other control character (SNS's Publish reference);
an empty one is no Subject. SNS refuses the others with 400 InvalidParameter, so a receipt whose subject broke
them failed on AWS and went out here. The kit's receipts keep to 99 printable ASCII characters
(handler/notify.ts); only a check as strict as SNS's shows that they do.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from moto.sns.exceptions import InvalidParameterValue
from moto.sns.models import SNSBackend

_moto_publish = SNSBackend.publish
_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


def subject_problem(subject: str) -> str | None:
    """Why SNS refuses this Subject, or None."""
    if subject == "":
        return "Invalid parameter: Subject: it must not be empty"
    # Control characters and line breaks (U+2028, U+2029 too); format characters such as an emoji's joiner are text.
    if any(unicodedata.category(character) in _REFUSED_CATEGORIES for character in subject):
        return "Invalid parameter: Subject: it must not hold line breaks or control characters"
    if subject[0].isspace():
        return "Invalid parameter: Subject: it must begin with a letter, a number or a punctuation mark"
    return None


def _publish(self: SNSBackend, message: str, arn: str | None, *args: Any, **kwargs: Any) -> str:
    subject = kwargs.get("subject", args[1] if len(args) > 1 else None)
    if subject is not None:
        problem = subject_problem(subject)
        if problem:
            raise InvalidParameterValue(problem)
    return _moto_publish(self, message, arn, *args, **kwargs)


def install() -> None:
    SNSBackend.publish = _publish  # type: ignore[method-assign]
