"""The Last-Modified of an object completed from a multipart upload: S3 gives it the time the upload began (its
user guide: "For multipart uploads, the object creation date is the date of initiation of the multipart
upload"), moto 5.2.5 the time of its completion. So an object uploaded in parts reads as older than one written
while its parts were being uploaded, although it is the newer version; the kit's function must not order versions
by Last-Modified there (handler/backup.ts), and only an emulator as strict as S3 shows that it does not.
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow
from moto.s3.models import FakeKey, FakeMultipart

_original_multipart_init = FakeMultipart.__init__
_original_key_init = FakeKey.__init__


def _multipart_init(self: FakeMultipart, *args: Any, **kwargs: Any) -> None:
    _original_multipart_init(self, *args, **kwargs)
    self.initiated = utcnow()


def _key_init(self: FakeKey, *args: Any, **kwargs: Any) -> None:
    _original_key_init(self, *args, **kwargs)
    # Set before moto stores the key and sends its event: no reader sees the completion's time.
    initiated = getattr(kwargs.get("multipart"), "initiated", None)
    if initiated is not None:
        self.last_modified = initiated


def install() -> None:
    FakeMultipart.__init__ = _multipart_init  # type: ignore[method-assign]
    FakeKey.__init__ = _key_init  # type: ignore[method-assign]
