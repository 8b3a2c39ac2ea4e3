"""S3's limit on user-defined metadata, which moto 5.2.5 does not enforce: at most 2 KB, counted as the UTF-8
bytes of every key (without its x-amz-meta- prefix) and value. A PutObject, a CreateMultipartUpload or a
CopyObject that replaces the metadata with more is refused as S3 refuses it (400 MetadataTooLarge); a copy that
keeps its source's metadata is not checked. The kit's function fits its provenance beside an upload's own
metadata (handler/metadata-budget.ts): only a limit as strict as S3's shows that it does.
"""

from __future__ import annotations

from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

from .s3_object_writes import check_object_writes

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


def _check(response: S3Response, operation: str) -> None:
    # A copy that keeps its source's metadata adds none.
    if operation != "CopyObject" or response.headers.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE":
        _refuse_oversized(response)


def install() -> None:
    check_object_writes(_check)
