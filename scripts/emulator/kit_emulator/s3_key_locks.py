"""A key's new version appears whole, as S3 publishes it: never before its metadata, tags and event.

moto 5.2.5 (s3/models.py, s3/responses.py) builds a version in steps on a threaded server: put_object
inserts the new key into the bucket (bucket.keys.setlist) and, for a PutObject, sends its event from
inside that call; only then do PutObject, CopyObject and CompleteMultipartUpload set the user metadata,
the ACL and the tags. A HeadObject or GetObject in between saw the new version id and ETag without the
metadata (the function's provenance keys), and a consumer of the event could read the key before it was
complete (seen: 153 of 988 HEADs during 30 PutObjects of 8 MB with a notification configured).

Here each write of a key (s3_conditions.py) holds that key's lock from its condition check to its last
step, HeadObject and GetObject of the key (any version, its tags and ACL too) take the same lock, and the
events a write raises are delivered once the write is complete and its lock released. A lock exists only
while a request holds or waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.s3.responses import S3Response

KeyName = tuple[str, str]


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Requests holding or waiting for the lock; the entry goes when the last one leaves.
        self.users = 0


_entries: dict[KeyName, _Entry] = {}
_entries_guard = threading.Lock()


@contextmanager
def _held(bucket: str, key: str) -> Iterator[None]:
    with _entries_guard:
        entry = _entries.get((bucket, key))
        if entry is None:
            entry = _entries[(bucket, key)] = _Entry()
        entry.users += 1
    try:
        with entry.lock:
            yield
    finally:
        with _entries_guard:
            entry.users -= 1
            # Nobody else holds or waits for this lock, so a later request may start from a new one.
            if entry.users == 0:
                del _entries[(bucket, key)]


def locks_in_use() -> int:
    """How many keys have a lock now (requests holding or waiting for one); 0 when the emulator is idle."""
    with _entries_guard:
        return len(_entries)


_this_thread = threading.local()


@contextmanager
def writing(bucket: str, key: str) -> Iterator[None]:
    """Runs a write of a key alone, and delivers the events it raises after it is complete: a write that failed
    (answered with an error) raises none, as on S3."""
    deliveries: list[Callable[[], None]] = []
    outer = getattr(_this_thread, "deliveries", None)
    _this_thread.deliveries = deliveries
    completed = False
    try:
        with _held(bucket, key):
            yield
        completed = True
    finally:
        _this_thread.deliveries = outer
        if completed:
            for deliver in deliveries:
                deliver()


def deliver_after_write(deliver: Callable[[], None]) -> None:
    """Delivers an event once the write in progress on this thread is complete, or now when there is none."""
    deliveries = getattr(_this_thread, "deliveries", None)
    if deliveries is None:
        deliver()
    else:
        deliveries.append(deliver)


_original_key_response_get = S3Response._key_response_get
_original_head_object = S3Response.head_object


def _key_response_get(self: S3Response, query: dict[str, Any], key_name: str) -> Any:
    with _held(self.bucket_name, key_name):
        return _original_key_response_get(self, query, key_name)


def _head_object(self: S3Response, bucket_name: str, query: dict[str, Any], key_name: str, headers: Any) -> Any:
    with _held(bucket_name, key_name):
        return _original_head_object(self, bucket_name, query, key_name, headers)


def install() -> None:
    S3Response._key_response_get = _key_response_get  # type: ignore[method-assign]
    S3Response.head_object = _head_object  # type: ignore[method-assign]
