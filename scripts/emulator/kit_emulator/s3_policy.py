"""Bucket policies in the emulator: stored and returned, never evaluated.

Evidence (moto 5.2.5, iam/access_control.py): a bucket policy statement with a Condition is evaluated
without any request context, so the template's `Deny s3:* when aws:SecureTransport is false` matches
every request, and every object read and write on the bucket answers 403 (checked: with the policy
in place, GetObject and PutObject both fail with "403 Forbidden" on an unpatched moto). The emulator speaks plain
HTTP on loopback, and IAM decisions are not emulated anyway (aws-facts.md), so the policy is kept for
GetBucketPolicy and drift checks and plays no part in access decisions.
"""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket


def _never_decides(self: FakeBucket, action: str, resource: str) -> Any:
    return PermissionResult.NEUTRAL


def install() -> None:
    FakeBucket.get_permission = _never_decides  # type: ignore[method-assign]
