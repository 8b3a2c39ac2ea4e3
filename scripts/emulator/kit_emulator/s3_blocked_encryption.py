"""The encryption types a bucket blocks (BlockedEncryptionTypes), kept with its default encryption and reported by
GetBucketEncryption, as S3 keeps and reports them. moto 5.2.5 drops them where it turns CloudFormation's
BucketEncryption into a bucket's encryption (cfn_to_api_encryption, on a stack's create and update alike) and leaves
them out of GetBucketEncryption's answer, so the drift check could not see the template's block of SSE-C here. Only
what is reported changes: the emulator refuses SSE-C writes whatever a bucket says (s3_sse_c.py).
"""

from __future__ import annotations

from typing import Any

import moto.s3.models as s3_models
from moto.core.responses import ActionResult
from moto.core.utils import ensure_boolean
from moto.s3.responses import S3Response

from .s3_notification_filters import listed


def install() -> None:
    moto_cfn_to_api_encryption = s3_models.cfn_to_api_encryption

    def cfn_to_api_encryption(properties: dict[str, Any]) -> dict[str, Any]:
        encryption = moto_cfn_to_api_encryption(properties)
        rules = properties.get("ServerSideEncryptionConfiguration", [])
        blocked = listed((rules[0].get("BlockedEncryptionTypes") or {}).get("EncryptionType")) if rules else []
        if blocked:
            encryption["Rule"]["BlockedEncryptionTypes"] = {"EncryptionType": blocked}
        return encryption

    s3_models.cfn_to_api_encryption = cfn_to_api_encryption  # type: ignore[assignment]

    moto_get_bucket_encryption = S3Response.get_bucket_encryption

    def get_bucket_encryption(self: S3Response) -> Any:
        answer = moto_get_bucket_encryption(self)
        rule = (self.backend.get_bucket_encryption(self.bucket_name) or {}).get("Rule", {})
        blocked = listed((rule.get("BlockedEncryptionTypes") or {}).get("EncryptionType"))
        if not blocked:
            return answer
        result_rule = {
            "ApplyServerSideEncryptionByDefault": rule["ApplyServerSideEncryptionByDefault"],
            "BucketKeyEnabled": ensure_boolean(rule.get("BucketKeyEnabled")),
            "BlockedEncryptionTypes": {"EncryptionType": blocked},
        }
        return self.serialized(ActionResult({"ServerSideEncryptionConfiguration": {"Rules": [result_rule]}}))

    S3Response.get_bucket_encryption = get_bucket_encryption  # type: ignore[method-assign]
