"""A TemplateURL read as CloudFormation reads it: an Amazon S3 URL, or a ValidationError that says what is wrong.

CloudFormation takes a template's URL only in S3's shapes (https://<bucket>.s3[.<region>].amazonaws.com/<key>, or
https://s3[.<region>].amazonaws.com/<bucket>/<key>), and answers a missing object with "S3 error: The specified key
does not exist.". moto took the first label of any other host for a bucket, so that the emulator's own address
(http://127.0.0.1:4566/<bucket>/<key>) answered CreateStack with S3's NoSuchBucket, and a key not there, or a
template at a URL that cannot be read, with a bare HTTP 500 that the CLI retried four times. The emulator reads
such a URL from its own buckets, as LocalStack does, `?versionId=` included.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse

from moto.cloudformation import models, responses
from moto.cloudformation.exceptions import ValidationError
from moto.s3.models import s3_backends

#: S3's hosts: path-style (s3.amazonaws.com, s3.<region>.amazonaws.com, s3-<region>.amazonaws.com), or a bucket's own.
_PATH_STYLE_HOST = re.compile(r"^s3([.-][a-z0-9-]+)?\.amazonaws\.com$")
_VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*[a-z0-9])\.s3([.-][a-z0-9-]+)?\.amazonaws\.com$")
_HELP = "For more information check http://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"


def _bucket_and_key(template_url: str) -> tuple[str, str, str | None]:
    url = urlparse(template_url)
    host = (url.hostname or "").lower()
    path = unquote(url.path.lstrip("/"))
    version = (parse_qs(url.query).get("versionId") or [None])[0]
    virtual = _VIRTUAL_HOST.match(host)
    if url.scheme in ("http", "https") and virtual and path:
        return virtual.group("bucket"), path, version
    if url.scheme in ("http", "https") and _PATH_STYLE_HOST.match(host) and "/" in path:
        bucket, key = path.split("/", 1)
        if bucket and key:
            return bucket, key, version
    raise ValidationError(
        message="TemplateURL must be an Amazon S3 URL (on the emulator too: https://<bucket>.s3.amazonaws.com/<key>, which it reads from its own buckets)")


def template_at(template_url: str, account_id: str, partition: str) -> str:
    """The template body at an S3 URL, from the emulator's buckets."""
    bucket_name, key_name, version_id = _bucket_and_key(template_url)
    backend = s3_backends[account_id][partition]
    if bucket_name not in backend.buckets:
        raise ValidationError(message=f"S3 error: The specified bucket does not exist\n{_HELP}")
    key = backend.get_object(bucket_name, key_name, version_id=version_id)
    if key is None:
        raise ValidationError(message=f"S3 error: The specified key does not exist.\n{_HELP}")
    try:
        return key.value.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(message="Template format error: unsupported structure.") from None


def install() -> None:
    """Read where moto reads a TemplateURL: the API's responses, and a nested stack's resource."""
    responses.get_stack_from_s3_url = template_at  # type: ignore[assignment]
    models.get_stack_from_s3_url = template_at  # type: ignore[assignment]
