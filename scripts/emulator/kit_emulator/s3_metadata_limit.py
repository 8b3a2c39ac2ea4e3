"""S3's limit on user-defined metadata, which moto 5.2.5 does not enforce: at most 2 KB, counted as the UTF-8
bytes of every key (without its x-amz-meta- prefix) and value. A PutObject, a CreateMultipartUpload or a
CopyObject that replaces the metadata with more is refused as S3 refuses it (400 MetadataTooLarge); a copy that
keeps its source's metadata is not checked. The kit's function fits its provenance beside an upload's own
metadata (handler/metadata-budget.ts): only a limit as strict as S3's shows that it does.
"""

from __future__ import annotations

from typing import Any

from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

MAX_USER_METADATA_BYTES = 2048
_PREFIX = "x-amz-meta-"


class MetadataTooLarge(S3ClientError):
    def __init__(self) -> None:
        super().__init__("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")


def _refuse_oversized(response: S3Response) -> None:
    # Headers, or a presigned URL's query, where moto reads metadata too.
    entries = [*response.headers.items(), *((name, values[0]) for name, values in response.querystring.items())]
    size = sum(len(name[len(_PREFIX):].encode()) + len(str(value).encode()) for name, value in entries if name.lower().startswith(_PREFIX))
    if size > MAX_USER_METADATA_BYTES:
        raise MetadataTooLarge()


def install() -> None:
    put_object, copy_object, key_response_post = S3Response.put_object, S3Response.copy_object, S3Response._key_response_post

    def limited_put_object(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        _refuse_oversized(self)
        return put_object(self, *args, **kwargs)

    def limited_copy_object(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        if self.headers.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE":
            _refuse_oversized(self)
        return copy_object(self, *args, **kwargs)

    def limited_key_response_post(self: S3Response, request: Any, body: bytes, bucket_name: str, query: dict[str, Any],
                                  key_name: str) -> Any:
        # POST ?uploads creates a multipart upload, with the metadata its object will have.
        if "uploads" in query:
            _refuse_oversized(self)
        return key_response_post(self, request, body, bucket_name, query, key_name)

    S3Response.put_object = limited_put_object  # type: ignore[method-assign]
    S3Response.copy_object = limited_copy_object  # type: ignore[method-assign]
    S3Response._key_response_post = limited_key_response_post  # type: ignore[method-assign]
