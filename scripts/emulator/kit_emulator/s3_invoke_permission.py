"""Whether a function's resource policy lets S3 invoke it for a bucket, as S3 checks when a notification is
configured ("Unable to validate the following destination configurations") and Lambda checks at each delivery.

moto checks neither: a stack without its AWS::Lambda::Permission (or with one for another bucket) deployed and
delivered events on the emulator while AWS refuses it. A statement allows the delivery when it is an Allow for
the s3.amazonaws.com service principal on lambda:InvokeFunction whose AWS:SourceArn condition (if any) matches
the bucket's ARN and whose AWS:SourceAccount condition (if any) names the bucket owner's account.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from moto.utilities.utils import get_partition

_S3_SERVICE = "s3.amazonaws.com"
_INVOKE_ACTIONS = {"lambda:invokefunction", "lambda:*", "*"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _condition_values(conditions: dict[str, Any], key: str) -> list[str]:
    """Every value any condition operator gives the (case-insensitive) condition key."""
    return [str(value) for block in conditions.values() if isinstance(block, dict)
            for name, values in block.items() if name.lower() == key for value in _as_list(values)]


def allows_s3_invoke(fn: Any, bucket_name: str, account_id: str, region_name: str) -> bool:
    bucket_arn = f"arn:{get_partition(region_name)}:s3:::{bucket_name}"
    for statement in fn.policy.statements:
        if statement.get("Effect", "Allow") != "Allow":
            continue
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service") if isinstance(principal, dict) else principal)
        if _S3_SERVICE not in services and "*" not in services:
            continue
        if not any(str(action).lower() in _INVOKE_ACTIONS for action in _as_list(statement.get("Action"))):
            continue
        conditions = statement.get("Condition") or {}
        arns = _condition_values(conditions, "aws:sourcearn")
        if arns and not any(fnmatch.fnmatchcase(bucket_arn, pattern) for pattern in arns):
            continue
        accounts = _condition_values(conditions, "aws:sourceaccount")
        if accounts and account_id not in accounts:
            continue
        return True
    return False
