"""Whether a function's resource policy lets S3 invoke it for a bucket, as S3 checks when a notification is
configured ("Unable to validate the following destination configurations": PutBucketNotificationConfiguration here,
the template's buckets in cloudformation.py) and Lambda checks at each delivery (s3_events.py).

moto checks neither: a stack without its AWS::Lambda::Permission (or with one for another bucket) deployed and
delivered events on the emulator while AWS refuses it. A statement allows the delivery when it is an Allow for
the s3.amazonaws.com service principal on lambda:InvokeFunction whose AWS:SourceArn condition (if any) matches
the bucket's ARN and whose AWS:SourceAccount condition (if any) names the bucket owner's account.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from moto.s3.exceptions import InvalidArgumentError
from moto.s3.models import S3Backend
from moto.utilities.utils import get_partition

from .s3_notification_filters import listed
from .s3_notification_overlap import ambiguity

_S3_SERVICE = "s3.amazonaws.com"
_INVOKE_ACTIONS = {"lambda:invokefunction", "lambda:*", "*"}


def _condition_values(conditions: dict[str, Any], key: str) -> list[str]:
    """Every value any condition operator gives the (case-insensitive) condition key."""
    return [str(value) for block in conditions.values() if isinstance(block, dict)
            for name, values in block.items() if name.lower() == key for value in listed(values)]


def allows_s3_invoke(fn: Any, bucket_name: str, account_id: str, region_name: str) -> bool:
    bucket_arn = f"arn:{get_partition(region_name)}:s3:::{bucket_name}"
    for statement in fn.policy.statements:
        if statement.get("Effect", "Allow") != "Allow":
            continue
        principal = statement.get("Principal")
        services = listed(principal.get("Service") if isinstance(principal, dict) else principal)
        if _S3_SERVICE not in services and "*" not in services:
            continue
        if not any(str(action).lower() in _INVOKE_ACTIONS for action in listed(statement.get("Action"))):
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


def destination(account_id: str, bucket_name: str, function_arn: str) -> tuple[Any, None] | tuple[None, str]:
    """The function a bucket's notification names, if S3 may invoke it for the bucket; else None and why not.
    One check for the three places that make it: a template's bucket, PutBucketNotificationConfiguration, a delivery."""
    from moto.awslambda.utils import get_backend

    region = function_arn.split(":")[3] if function_arn.count(":") >= 6 else ""
    try:
        fn = get_backend(account_id, region).get_function(function_arn)
    except Exception as error:
        return None, str(error)
    if not allows_s3_invoke(fn, bucket_name, account_id, region):
        return None, f"its policy does not allow s3.amazonaws.com to invoke it for bucket {bucket_name}"
    return fn, None


_moto_put_notification = S3Backend.put_bucket_notification_configuration


def _put_bucket_notification_configuration(self: S3Backend, bucket_name: str, notification_config: dict[str, Any]) -> None:
    overlap = ambiguity(notification_config)
    if overlap:
        raise InvalidArgumentError(overlap, "null", "null")
    for entry in notification_config.get("CloudFunctionConfiguration") or []:
        arn = entry.get("CloudFunction", "")
        if destination(self.account_id, bucket_name, arn)[1] is not None:
            raise InvalidArgumentError("Unable to validate the following destination configurations", arn, "null")
    _moto_put_notification(self, bucket_name, notification_config)


def install() -> None:
    S3Backend.put_bucket_notification_configuration = _put_bucket_notification_configuration  # type: ignore[method-assign]
