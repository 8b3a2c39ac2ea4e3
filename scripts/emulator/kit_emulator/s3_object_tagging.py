"""An object's tags (x-amz-tagging) checked before the write, as S3 checks them: moto 5.2.5 stores a PutObject's
version first and refuses its tags afterwards, so an upload answered 400 was kept, raised its event and was
backed up. Here PutObject, CreateMultipartUpload and a CopyObject that replaces the tags are refused first,
with moto's own rules and messages (at most 10 tags, S3's lengths and characters), and S3's where moto's differ:
a key may begin with `aws` but not with `aws:` (moto refused `awsome`, also when it stored the tags of a write or of
PutObjectTagging), and a key given twice is refused (moto kept the first of them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from moto.s3 import notifications
from moto.s3.exceptions import BadRequest, DuplicateTagKeys, InvalidTagError
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response
from moto.utilities.tagging_service import TaggingService

from .s3_object_writes import check_object_writes

_TAGS = TaggingService()
MAX_OBJECT_TAGS = 10


def _refuse_breaking(tags: dict[str, str]) -> list[dict[str, str]]:
    """The tags in the tagging service's form, once S3's rules for an object's tags pass; else S3's refusal."""
    listed = _TAGS.convert_dict_to_tags_input(tags)
    if len(listed) > MAX_OBJECT_TAGS:
        raise BadRequest(f"Object tags cannot be greater than {MAX_OBJECT_TAGS}")
    if any(key.startswith("aws:") for key in tags):
        raise InvalidTagError("Your TagKey cannot be prefixed with aws:")
    problem = _TAGS.validate_tags(listed)
    if problem:
        raise InvalidTagError(problem)
    return listed


def _check(response: S3Response, operation: str) -> None:
    # A copy that keeps its source's tags adds none.
    if operation == "CopyObject" and response.headers.get("x-amz-tagging-directive", "COPY").upper() != "REPLACE":
        return
    tags = response._tagging_from_headers(response.headers)
    if not tags:
        return
    if len(parse_qsl(response.headers.get("x-amz-tagging", ""), keep_blank_values=True)) > len(tags):
        raise DuplicateTagKeys()
    _refuse_breaking(tags)


def _put_object_tagging(self: S3Backend, key: Any, tags: dict[str, str] | None) -> Any:
    listed = _refuse_breaking(tags) if tags else []
    self.tagger.delete_all_tags_for_resource(key.arn)
    self.tagger.tag_resource(key.arn, listed)
    notifications.send_event(self.account_id, notifications.S3NotificationEvent.OBJECT_TAGGING_PUT_EVENT, self.get_bucket(key.bucket_name), key)
    return key


def install() -> None:
    check_object_writes(_check)
    S3Backend.put_object_tagging = _put_object_tagging  # type: ignore[method-assign]
