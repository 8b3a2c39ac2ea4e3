"""An object's tags (x-amz-tagging) checked before the write, as S3 checks them: moto 5.2.5 stores a PutObject's
version first and refuses its tags afterwards, so an upload answered 400 was kept, raised its event and was
backed up. Here PutObject, CreateMultipartUpload and a CopyObject that replaces the tags are refused first,
with moto's own rules and messages (at most 10 tags, no key beginning with aws, S3's lengths and characters).
"""

from __future__ import annotations

from moto.s3.exceptions import BadRequest, InvalidTagError
from moto.s3.responses import S3Response
from moto.utilities.tagging_service import TaggingService

from .s3_object_writes import check_object_writes

_TAGS = TaggingService()
MAX_OBJECT_TAGS = 10


def _check(response: S3Response, operation: str) -> None:
    # A copy that keeps its source's tags adds none.
    if operation == "CopyObject" and response.headers.get("x-amz-tagging-directive", "COPY").upper() != "REPLACE":
        return
    tags = response._tagging_from_headers(response.headers)
    if not tags:
        return
    listed = _TAGS.convert_dict_to_tags_input(tags)
    if len(listed) > MAX_OBJECT_TAGS:
        raise BadRequest(f"Object tags cannot be greater than {MAX_OBJECT_TAGS}")
    if any(key.startswith("aws") for key in tags):
        raise InvalidTagError("Your TagKey cannot be prefixed with aws:")
    problem = _TAGS.validate_tags(listed)
    if problem:
        raise InvalidTagError(problem)


def install() -> None:
    check_object_writes(_check)
