"""ListObjectVersions with `encoding-type=url`, which moto 5.2.5 ignores. An XML listing cannot carry every name a
key may have (a carriage return reads back as a line feed, most other control characters not at all), so S3 encodes
the names it lists when asked: Key, Prefix, KeyMarker, NextKeyMarker, Delimiter and CommonPrefixes, a space as `+`
and `/` kept, and says so with EncodingType. The kit asks for it on every version listing; without this the
emulator would list such keys by names that do not exist. Any other encoding-type is refused as S3 refuses it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from moto.core.responses import ActionResult
from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

_NAMED_ELEMENTS = ("Prefix", "Delimiter", "KeyMarker", "NextKeyMarker")


class InvalidEncodingMethod(S3ClientError):
    def __init__(self) -> None:
        super().__init__("InvalidArgument", "Invalid Encoding Method specified in Request")


def _encoded(name: Any) -> Any:
    return quote_plus(name, safe="/") if isinstance(name, str) else name


def _encoded_listing(result: dict[str, Any]) -> dict[str, Any]:
    listing = {**result, **{element: _encoded(result[element]) for element in _NAMED_ELEMENTS if element in result}}
    for entries in ("Versions", "DeleteMarkers"):
        listing[entries] = [{**entry, "Key": _encoded(entry["Key"])} for entry in result.get(entries, [])]
    if "CommonPrefixes" in result:
        listing["CommonPrefixes"] = [{"Prefix": _encoded(folder["Prefix"])} for folder in result["CommonPrefixes"]]
    listing["EncodingType"] = "url"
    return listing


def install() -> None:
    list_object_versions = S3Response.list_object_versions

    def encoding_list_object_versions(self: S3Response) -> Any:
        encoding = self.querystring.get("encoding-type", [None])[0]
        if encoding is None:
            return list_object_versions(self)
        if encoding != "url":
            raise InvalidEncodingMethod()
        serialized = self.serialized

        def serialized_encoded(action_result: ActionResult) -> Any:
            return serialized(ActionResult(_encoded_listing(action_result.result)))  # type: ignore[arg-type]

        self.serialized = serialized_encoded  # type: ignore[method-assign]
        try:
            return list_object_versions(self)
        finally:
            del self.serialized

    S3Response.list_object_versions = encoding_list_object_versions  # type: ignore[method-assign]
