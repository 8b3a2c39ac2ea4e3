"""S3's limit on an object key's length, which moto 5.2.5 does not enforce: at most 1,024 bytes of UTF-8. Every
request on a longer key (a write, a read, a HEAD, a delete) is refused as S3 refuses it (400 KeyTooLongError; a
HEAD's answer has no body), so that what the kit writes here (seed's keys, a restore under TO=) is what S3 would
take, and a read of such a key fails as on S3 instead of answering that the key does not exist.
"""

from __future__ import annotations

from typing import Any

from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

MAX_KEY_BYTES = 1024


class KeyTooLongError(S3ClientError):
    def __init__(self) -> None:
        super().__init__("KeyTooLongError", "Your key is too long")


def install() -> None:
    key_response = S3Response._key_response

    def checked_key_response(self: S3Response, request: Any, full_url: str) -> Any:
        if len(self.parse_key_name().encode()) > MAX_KEY_BYTES:
            raise KeyTooLongError()
        return key_response(self, request, full_url)

    S3Response._key_response = checked_key_response  # type: ignore[method-assign]
