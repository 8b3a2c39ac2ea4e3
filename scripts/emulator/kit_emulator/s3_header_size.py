"""S3's limit on a request's header section, which moto 5.2.5 does not enforce: at most 8 KB (S3 answers 400
RequestHeaderSectionTooLarge and names MaxSizeAllowed 8192; its user guide: "The PUT request header is limited to
8 KB in size"). Every request on an object with more is refused as S3 refuses it (a HEAD's answer has no body).

It matters to the kit because a CopyObject carries its source's name, URL-encoded (up to three times its UTF-8
bytes), beside the content headers and the metadata that the upload carried without it: S3 can take an upload and
refuse the function's copy of it, which the function then copies in parts (handler/copy.ts). moto copied it. Each
header counts as its line, `name: value` and the line end, in the bytes it arrived in; how S3 counts exactly is not
documented (its list of errors says "the request header and query parameters": a query, such as a presigned URL's,
is not counted here).
"""

from __future__ import annotations

from typing import Any

from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

MAX_HEADER_SECTION_BYTES = 8192


class RequestHeaderSectionTooLarge(S3ClientError):
    def __init__(self) -> None:
        super().__init__("RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")


def header_section_bytes(headers: Any) -> int:
    """The bytes of a request's header lines. WSGI gives each header's bytes as one latin-1 character each."""
    return sum(len(f"{name}: {value}\r\n".encode("latin-1", errors="replace")) for name, value in headers.items())


def install() -> None:
    key_response = S3Response._key_response

    def checked_key_response(self: S3Response, request: Any, full_url: str) -> Any:
        if header_section_bytes(self.headers) > MAX_HEADER_SECTION_BYTES:
            raise RequestHeaderSectionTooLarge()
        return key_response(self, request, full_url)

    S3Response._key_response = checked_key_response  # type: ignore[method-assign]
