"""S3's limit on an object key's length, which moto 5.2.5 does not enforce: at most 1,024 bytes of UTF-8. A
PutObject, a CopyObject or a CreateMultipartUpload of a longer key is refused as S3 refuses it (400
KeyTooLongError), so that what the kit writes here (seed's keys, a restore under TO=) is what S3 would take.
"""

from __future__ import annotations

from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

from .s3_object_writes import check_object_writes

MAX_KEY_BYTES = 1024


class KeyTooLongError(S3ClientError):
    def __init__(self) -> None:
        super().__init__("KeyTooLongError", "Your key is too long")


def _check(response: S3Response, operation: str) -> None:
    if len(response.parse_key_name().encode()) > MAX_KEY_BYTES:
        raise KeyTooLongError()


def install() -> None:
    check_object_writes(_check)
