"""S3's refusal of customer-provided keys (SSE-C), which moto 5.2.5 does not make: since April 2026 S3 blocks SSE-C
writes to new general purpose buckets (PutObject, CopyObject, multipart uploads: 403 AccessDenied), and the kit's
buckets are new ones. moto took such a write, kept the bytes unencrypted and served them without the key, so an
SSE-C upload was backed up on the emulator while AWS never lets it into the inbox. The emulator has no SSE-C to
turn back on: every write that asks for it is refused. A copy whose source names a customer key (to read it) is
refused by moto's own lack of the object, as no such object can be written here.
"""

from __future__ import annotations

from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

from .s3_object_writes import check_object_writes

_SSE_C = "x-amz-server-side-encryption-customer-algorithm"


class SseCBlocked(S3ClientError):
    code = "AccessDenied"

    def __init__(self) -> None:
        super().__init__("AccessDenied", "SSE-C is blocked: S3 refuses writes with customer-provided keys to new buckets since April 2026, and the embedded emulator has no SSE-C")


def _refuse_sse_c(response: S3Response) -> None:
    if response.headers.get(_SSE_C) or response.querystring.get(_SSE_C):
        raise SseCBlocked()


def install() -> None:
    check_object_writes(lambda response, _operation: _refuse_sse_c(response))
