"""The encryption types a bucket blocks (BlockedEncryptionTypes), kept with its default encryption and reported by
GetBucketEncryption, as S3 keeps and reports them. moto 5.2.5 drops them from CloudFormation's BucketEncryption and
leaves them out of GetBucketEncryption's answer, so the drift check could not see the template's block of SSE-C
here. Only what is reported changes: the emulator refuses SSE-C writes whatever a bucket says (s3_sse_c.py).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import ensure_boolean
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response


def _listed(value: Any) -> list[str]:
    """EncryptionType as a list: xmltodict reads one element as a string, several as a list."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def apply_from_template(bucket: FakeBucket, properties: dict[str, Any]) -> None:
    """Keeps the blocked types of the template's first encryption rule with the encryption moto applied from it."""
    rules = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    blocked = _listed((rules[0].get("BlockedEncryptionTypes") or {}).get("EncryptionType")) if rules else []
    if bucket.encryption is None or not blocked:
        return
    bucket.encryption["Rule"]["BlockedEncryptionTypes"] = {"EncryptionType": blocked}


def install() -> None:
    moto_get_bucket_encryption = S3Response.get_bucket_encryption

    def get_bucket_encryption(self: S3Response) -> Any:
        answer = moto_get_bucket_encryption(self)
        rule = (self.backend.get_bucket_encryption(self.bucket_name) or {}).get("Rule", {})
        blocked = _listed((rule.get("BlockedEncryptionTypes") or {}).get("EncryptionType"))
        if not blocked:
            return answer
        result_rule = {
            "ApplyServerSideEncryptionByDefault": rule["ApplyServerSideEncryptionByDefault"],
            "BucketKeyEnabled": ensure_boolean(rule.get("BucketKeyEnabled")),
            "BlockedEncryptionTypes": {"EncryptionType": blocked},
        }
        return self.serialized(ActionResult({"ServerSideEncryptionConfiguration": {"Rules": [result_rule]}}))

    S3Response.get_bucket_encryption = get_bucket_encryption  # type: ignore[method-assign]
