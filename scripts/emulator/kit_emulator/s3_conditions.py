"""Conditional writes as S3 does them: If-Match / If-None-Match on PutObject, CopyObject and
CompleteMultipartUpload, checked and applied atomically.

moto 5.2.5 (s3/responses.py) checks If-Match and If-None-Match on PutObject, only If-None-Match on
CompleteMultipartUpload, and no destination condition at all on CopyObject; and where it checks, the check
and the write are separate steps on a threaded server, so two concurrent writers can both pass. The kit's
function relies on these conditions to copy a concurrent duplicate once (aws-facts.md: a failed condition
answers 412 PreconditionFailed). Here every write of a key runs under that key's lock (s3_key_locks.py, which
also keeps reads of the key and the write's events from seeing it half-built), and its condition is checked
inside the lock against the key's current version.

Deletes of a key (DeleteObject with its If-Match, AbortMultipartUpload, DeleteObjectTagging) take the same lock:
an abort waits for a completion of the upload in progress instead of closing the parts it is reading (and a
completion after the abort then answers NoSuchUpload: s3_multipart.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.s3.exceptions import MissingKey, PreconditionFailed
from moto.s3.responses import S3Response

from .s3_key_locks import writing


def _unquoted(etag: str) -> str:
    return etag.strip().strip('"')


def _check(response: S3Response, key_name: str) -> None:
    """Raises what S3 answers when the request's condition on the key's current version does not hold."""
    if_match = response.headers.get("If-Match")
    if_none_match = response.headers.get("If-None-Match")
    current = response.backend.get_object(response.bucket_name, key_name)
    if if_none_match is not None and current is not None:
        raise PreconditionFailed("If-None-Match")
    if if_match is not None:
        if current is None:
            raise MissingKey(key=key_name)
        if _unquoted(if_match) != _unquoted(current.etag):
            raise PreconditionFailed("If-Match")


def _atomic(write: Callable[..., Any]) -> Callable[..., Any]:
    def conditional_write(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        key_name = self.parse_key_name()
        with writing(self.bucket_name, key_name):
            _check(self, key_name)
            return write(self, *args, **kwargs)

    return conditional_write


_original_key_response_post = S3Response._key_response_post


def _key_response_post(self: S3Response, request: Any, body: bytes, bucket_name: str, query: dict[str, Any],
                       key_name: str) -> Any:
    # POST ?uploadId=… completes a multipart upload: a write of the key. Other POSTs (create upload, restore…) are not.
    if not query.get("uploadId"):
        return _original_key_response_post(self, request, body, bucket_name, query, key_name)
    with writing(bucket_name, key_name):
        _check(self, key_name)
        return _original_key_response_post(self, request, body, bucket_name, query, key_name)


_original_key_response_delete = S3Response._key_response_delete


def _key_response_delete(self: S3Response, bucket_name: str, query: dict[str, Any], key_name: str) -> Any:
    with writing(bucket_name, key_name):
        return _original_key_response_delete(self, bucket_name, query, key_name)


def install() -> None:
    S3Response.put_object = _atomic(S3Response.put_object)  # type: ignore[method-assign]
    S3Response.copy_object = _atomic(S3Response.copy_object)  # type: ignore[method-assign]
    S3Response._key_response_post = _key_response_post  # type: ignore[method-assign]
    S3Response._key_response_delete = _key_response_delete  # type: ignore[method-assign]
