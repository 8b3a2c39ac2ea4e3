"""HeadObject's checksum as S3 reports it: with its type, and a composite checksum with its part count.

S3's HeadObject with `x-amz-checksum-mode: ENABLED` answers `x-amz-checksum-type` (FULL_OBJECT, or COMPOSITE for a
multipart upload's checksum of its parts' checksums) and gives a composite value its part count (`…-2`), as GetObject
does. moto 5.2.5 (s3/responses.py, head_object) answers the bare value and no type, where its GetObject answers both: a
composite checksum looked like one of the whole object's bytes. The kit's function and `make reconcile` read every
version with HeadObject and compare only full-object checksums (handler/content.ts): on the emulator a composite one
was compared as if it were, which S3 never lets them do, so a change there could pass here and fail on AWS.

moto's HEAD has already answered (under the key's lock, s3_key_locks.py) when the key is read again here: the header is
added only when the version read is the one answered (its version id and ETag), never another's written in between.
"""

from __future__ import annotations

from typing import Any

from moto.s3.responses import S3Response


def _with_checksum_type(head_object: Any) -> Any:
    def head_object_with_checksum_type(self: S3Response, bucket_name: str, query: dict[str, Any], key_name: str, headers: Any) -> Any:
        status, response_headers, body = head_object(self, bucket_name, query, key_name, headers)
        # A part's HEAD (partNumber) is left as moto answers it.
        if status != 200 or headers.get("x-amz-checksum-mode") != "ENABLED" or query.get("partNumber"):
            return status, response_headers, body
        key = self.backend.get_object(bucket_name, key_name, version_id=query.get("versionId", [None])[0])
        answered = key is not None and key.etag == response_headers.get("ETag") and key.version_id == response_headers.get("x-amz-version-id", key.version_id)
        if not answered or not key.checksum_algorithm:
            return status, response_headers, body
        checksum_type = key.checksum_type or "FULL_OBJECT"
        if checksum_type == "COMPOSITE" and key.checksum_parts:
            response_headers[f"x-amz-checksum-{key.checksum_algorithm.lower()}"] = f"{key.checksum_value}-{key.checksum_parts}"
        response_headers["x-amz-checksum-type"] = checksum_type
        return status, response_headers, body

    return head_object_with_checksum_type


def install() -> None:
    S3Response.head_object = _with_checksum_type(S3Response.head_object)  # type: ignore[method-assign]
