"""S3's limit on user-defined metadata, which moto 5.2.5 does not enforce: at most 2 KB, counted as the UTF-8
bytes of every key (without its x-amz-meta- prefix) and value as S3 stores it. A PutObject, a CreateMultipartUpload
or a CopyObject that replaces the metadata with more is refused as S3 refuses it (400 MetadataTooLarge); a copy that
keeps its source's metadata is not checked. The kit's function fits its provenance beside an upload's own
metadata (handler/metadata-budget.ts): only a limit as strict as S3's shows that it does, and only one no stricter
shows that it keeps what S3 takes.

S3 decodes the RFC 2047 encoded-words of a value before storing it (its user guide, "User-defined object
metadata"), and returns a non-ASCII value as one (=?UTF-8?B?...?=): a value sent so counts by its decoded bytes,
read as the function reads it (handler/encoded-words.ts: UTF-8 words; a word in another charset, or one that does
not decode, stays as written). Counted by its encoded length, an upload S3 takes was refused here, and the
function's fit of it could not be checked. moto still stores and returns the value as it was sent. A raw byte
outside US-ASCII reaches moto as ISO-8859-1 text: two bytes.
"""

from __future__ import annotations

import base64
import re

from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

from .s3_object_writes import check_object_writes

MAX_USER_METADATA_BYTES = 2048
_PREFIX = "x-amz-meta-"


class MetadataTooLarge(S3ClientError):
    def __init__(self) -> None:
        super().__init__("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")


# Printable US-ASCII but "?", as RFC 2047 writes a charset and an encoded text.
_ENCODED_WORD = re.compile(r"=\?([\x21-\x3e\x40-\x7e]+)\?([BbQq])\?([\x21-\x3e\x40-\x7e]*)\?=")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_Q_ESCAPE = re.compile(r"=([0-9A-Fa-f]{2})")
_BLANKS = re.compile(r"[ \t]+")


def _q_bytes(text: str) -> bytes | None:
    if "=" in _Q_ESCAPE.sub("", text):
        return None
    return _Q_ESCAPE.sub(lambda escape: chr(int(escape.group(1), 16)), text.replace("_", " ")).encode("latin-1")


def _decoded_word(charset: str, encoding: str, text: str) -> str | None:
    # RFC 2231 lets a language follow the charset (UTF-8*en).
    if charset.split("*")[0].upper() != "UTF-8":
        return None
    if encoding.upper() == "B":
        raw = base64.b64decode(text) if _BASE64.fullmatch(text) else None
    else:
        raw = _q_bytes(text)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def stored_value(value: str) -> str:
    """A value as S3 stores it: its encoded-words decoded, the blanks between two adjacent ones dropped."""
    decoded, end, previous_decoded = "", 0, False
    for match in _ENCODED_WORD.finditer(value):
        word = _decoded_word(*match.groups())
        gap = value[end : match.start()]
        if not (previous_decoded and word is not None and _BLANKS.fullmatch(gap)):
            decoded += gap
        decoded += match.group(0) if word is None else word
        previous_decoded, end = word is not None, match.end()
    return decoded + value[end:]


def _refuse_oversized(response: S3Response) -> None:
    # Headers, or a presigned URL's query, where moto reads metadata too.
    entries = [*response.headers.items(), *((name, values[0]) for name, values in response.querystring.items())]
    size = sum(len(name[len(_PREFIX):].encode()) + len(stored_value(str(value)).encode()) for name, value in entries if name.lower().startswith(_PREFIX))
    if size > MAX_USER_METADATA_BYTES:
        raise MetadataTooLarge()


def _check(response: S3Response, operation: str) -> None:
    # A copy that keeps its source's metadata adds none.
    if operation != "CopyObject" or response.headers.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE":
        _refuse_oversized(response)


def install() -> None:
    check_object_writes(_check)
