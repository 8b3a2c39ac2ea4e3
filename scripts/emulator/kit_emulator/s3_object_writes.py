"""A check run before every request that writes an object: PutObject, CopyObject and CreateMultipartUpload (a POST
?uploads, which carries the headers its object will have). Each module that refuses writes as S3 does installs its
check here; later checks wrap earlier ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.s3.responses import S3Response

Check = Callable[[S3Response, str], None]


def check_object_writes(check: Check) -> None:
    """Runs `check(response, operation)` before each object write; it refuses one by raising S3's error."""
    put_object, copy_object, key_response_post = S3Response.put_object, S3Response.copy_object, S3Response._key_response_post

    def checked_put_object(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        check(self, "PutObject")
        return put_object(self, *args, **kwargs)

    def checked_copy_object(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        check(self, "CopyObject")
        return copy_object(self, *args, **kwargs)

    def checked_key_response_post(self: S3Response, request: Any, body: bytes, bucket_name: str, query: dict[str, Any], key_name: str) -> Any:
        if "uploads" in query:
            check(self, "CreateMultipartUpload")
        return key_response_post(self, request, body, bucket_name, query, key_name)

    S3Response.put_object = checked_put_object  # type: ignore[method-assign]
    S3Response.copy_object = checked_copy_object  # type: ignore[method-assign]
    S3Response._key_response_post = checked_key_response_post  # type: ignore[method-assign]
