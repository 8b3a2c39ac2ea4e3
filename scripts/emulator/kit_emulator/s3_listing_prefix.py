"""ListObjectVersions that reads only the keys under its prefix. moto 5.2.5 copies every version of the bucket, sorts
them all and only then skips the keys outside the prefix, so each listing of one key's history took as long as the
bucket was large (a third of a second at 2,500 versions, however few the key has); S3 reads a prefix's keys only.
The listing is moto's own, over the same bucket with the keys outside the prefix left out, which it would have
skipped: its answer is the same (a KeyMarker given alone, or one outside the prefix, which moto skips by in a way
that keys outside the prefix take part in, keeps moto's whole walk).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from moto.s3.models import S3Backend


class _KeysUnder:
    """A bucket's keys as moto's listing walks them (iterlists), those under a prefix only."""

    def __init__(self, keys: Any, prefix: str) -> None:
        self._keys = keys
        self._prefix = prefix

    def iterlists(self) -> Iterator[tuple[str, list[Any]]]:
        return ((name, versions) for name, versions in self._keys.iterlists() if name.startswith(self._prefix))


class _BucketUnder:
    """A bucket whose keys are those under a prefix; everything else is the bucket's own."""

    def __init__(self, bucket: Any, prefix: str) -> None:
        self._bucket = bucket
        self.keys = _KeysUnder(bucket.keys, prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bucket, name)


class _BackendUnder:
    """The backend as moto's listing asks it for the bucket: the bucket seen under the prefix."""

    def __init__(self, backend: S3Backend, prefix: str) -> None:
        self._backend = backend
        self._prefix = prefix

    def get_bucket(self, bucket_name: str) -> Any:
        return _BucketUnder(self._backend.get_bucket(bucket_name), self._prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def install() -> None:
    list_object_versions = S3Backend.list_object_versions

    def listing_under_prefix(self: S3Backend, bucket_name: str, *args: Any, prefix: str = "", **kwargs: Any) -> Any:
        key_marker = kwargs.get("key_marker")
        # A KeyMarker alone, or one outside the prefix, makes moto skip by keys the view leaves out: moto's whole walk then.
        whole = not prefix or (key_marker is not None and (not kwargs.get("version_id_marker") or not key_marker.startswith(prefix)))
        backend: Any = self if whole else _BackendUnder(self, prefix)
        return list_object_versions(backend, bucket_name, *args, prefix=prefix, **kwargs)

    S3Backend.list_object_versions = listing_under_prefix  # type: ignore[method-assign]
