"""Multipart copies and completions that stream through files instead of holding whole objects in memory.

What moto 5.2.5 does (moto/s3/models.py):
- S3Backend.upload_part_copy reads the whole source object (FakeKey.value, the full object as bytes) for
  every part and then slices out the part's range: a 1 GiB object copied as 16 parts of 64 MiB, 8 at a
  time, reads 16 GiB and holds up to 8 GiB at once.
- FakeMultipart.complete joins every part into one bytearray, copies it to bytes, and for the default
  full-object checksum joins the parts once more (MultipartChecksumBuilder): three copies of the object in
  memory before the new key copies it into its own buffer.

Here a part copy reads only its range, in chunks, into the part's own file while computing its MD5 (the
part's ETag); completion checks the parts exactly as moto does, then streams them once into the object's
file, computing the object's checksum on the way. A key adopts such a finished file as its buffer instead
of copying bytes into it. Storage stays moto's: a SpooledTemporaryFile per key that moves to disk above
moto's key buffer size, parts kept with the completed key (HeadObject with partNumber reads them).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import tempfile
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from moto.core.compat import HAS_CRT
from moto.s3 import models
from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
from moto.s3.models import FakeKey, FakeMultipart, S3Backend
from moto.s3.utils import compute_checksum
from moto.settings import get_s3_default_key_buffer_size

# Bytes read from one file and written to another at a time: large enough to keep the copy in C, small
# enough that eight concurrent part copies hold little memory.
CHUNK_BYTES = 8 << 20


@dataclass(frozen=True)
class SpooledContent:
    """Bytes already written to a spooled file, which a FakeKey adopts instead of copying them."""

    file: Any  # tempfile.SpooledTemporaryFile
    size: int
    # The MD5 of the content when it was computed on the way (a part's ETag); None leaves the key's ETag alone.
    md5_hex: str | None = None


def _spool(chunks: Iterable[bytes], compute_md5: bool) -> SpooledContent:
    spooled = tempfile.SpooledTemporaryFile(max_size=get_s3_default_key_buffer_size())
    digest = hashlib.md5(usedforsecurity=False) if compute_md5 else None
    size = 0
    try:
        for chunk in chunks:
            spooled.write(chunk)
            if digest is not None:
                digest.update(chunk)
            size += len(chunk)
    except BaseException:
        spooled.close()
        raise
    return SpooledContent(spooled, size, digest.hexdigest() if digest is not None else None)


def _read(key: FakeKey, start: int, stop: int) -> Iterator[bytes]:
    """Bytes [start, stop) of a key, a chunk at a time, under the key's lock as moto reads its buffer."""
    position = start
    while position < stop:
        with key.lock:
            key._value_buffer.seek(position)
            chunk = key._value_buffer.read(min(CHUNK_BYTES, stop - position))
        if not chunk:
            return
        position += len(chunk)
        yield chunk


_moto_value_setter = FakeKey.value.fset


def _set_value(self: FakeKey, new_value: Any) -> None:
    if not isinstance(new_value, SpooledContent):
        _moto_value_setter(self, new_value)
        return
    self._value_buffer.close()
    self._value_buffer = new_value.file
    self.contentsize = new_value.size
    if new_value.md5_hex is not None:
        self._etag = new_value.md5_hex


def upload_part_copy(self: S3Backend, dest_bucket_name: str, multipart_id: str, part_id: int, src_bucket_name: str,
                     src_key_name: str, src_version_id: str | None, start_byte: int | None,
                     end_byte: int | None) -> FakeKey:
    multipart = self.get_bucket(dest_bucket_name).multiparts[multipart_id]
    source = self.get_object(src_bucket_name, src_key_name, version_id=src_version_id)
    # moto slices value[start_byte:end_byte + 1], so a range past the end is cut short, as here.
    start, stop = (0, source.size) if start_byte is None else (min(start_byte, source.size), min(end_byte + 1, source.size))
    content = _spool(_read(source, start, max(start, stop)), compute_md5=True)
    try:
        return multipart.set_part(part_id, content)
    except BaseException:
        content.file.close()
        raise


@functools.cache
def _optional_crc32c() -> Any:
    try:
        import crc32c  # type: ignore[import-not-found]

        return crc32c.crc32c
    except ImportError:
        return None


class _RunningChecksum:
    """moto's compute_checksum (moto/s3/utils.py), fed a chunk at a time: the same algorithm for each name,
    including its fallbacks to CRC32 when the optional crc32c or awscrt libraries are missing."""

    def __init__(self, algorithm: str) -> None:
        self._algorithm = algorithm
        self._crc_width = 0
        self._crc = 0
        self._hash: Any = None
        if algorithm == "SHA1":
            self._hash = hashlib.sha1(usedforsecurity=False)
        elif algorithm in ("CRC32", "CRC32C", "CRC64NVME"):
            self._crc_width = 8 if algorithm == "CRC64NVME" and HAS_CRT else 4
        else:
            self._hash = hashlib.sha256(usedforsecurity=False)
        self._crc32c = _optional_crc32c() if algorithm == "CRC32C" else None

    def update(self, chunk: bytes) -> None:
        if self._hash is not None:
            self._hash.update(chunk)
        elif self._crc_width == 8:
            from awscrt import checksums  # type: ignore[import-not-found]

            self._crc = checksums.crc64nvme(chunk, self._crc)
        elif self._crc32c is not None:
            self._crc = self._crc32c(chunk, self._crc)
        else:
            self._crc = binascii.crc32(chunk, self._crc)

    def digest(self) -> bytes:
        if self._hash is not None:
            return self._hash.digest()
        return self._crc.to_bytes(self._crc_width, "big")


class _ObjectChecksum:
    """moto's MultipartChecksumBuilder, streaming: CRC64NVME over the whole object unless the upload named an
    algorithm, which is then a COMPOSITE checksum of the parts' checksums (or FULL_OBJECT when asked)."""

    def __init__(self, algorithm: str | None, checksum_type: str | None) -> None:
        self.algorithm = algorithm or "CRC64NVME"
        self.type = checksum_type or ("FULL_OBJECT" if self.algorithm == "CRC64NVME" else "COMPOSITE")
        self._whole = _RunningChecksum(self.algorithm)
        self._part: _RunningChecksum | None = None
        self._part_digests = bytearray()
        self._parts = 0

    def part_started(self) -> None:
        self._part = _RunningChecksum(self.algorithm)

    def update(self, chunk: bytes) -> None:
        if self.type == "COMPOSITE":
            assert self._part is not None
            self._part.update(chunk)
        else:
            self._whole.update(chunk)

    def part_finished(self) -> None:
        if self.type == "COMPOSITE":
            assert self._part is not None
            self._part_digests.extend(self._part.digest())
        self._parts += 1

    def result(self) -> tuple[str, str, int]:
        if self.type == "COMPOSITE":
            return self.type, compute_checksum(bytes(self._part_digests), self.algorithm).decode(), self._parts
        return self.type, base64.b64encode(self._whole.digest()).decode(), 1


def complete(self: FakeMultipart, body: Iterator[tuple[int, str]]) -> tuple[SpooledContent, str, tuple[str, str, int]]:
    parts: list[FakeKey] = []
    part_md5s = bytearray()
    for part_number, etag in body:
        part = self.parts.get(part_number)
        if part is None or part.etag.replace('"', "") != etag.replace('"', ""):
            raise InvalidPart()
        if parts and parts[-1].contentsize < models.S3_UPLOAD_PART_MIN_SIZE:
            raise EntityTooSmall()
        part_md5s.extend(bytes.fromhex(part.etag.replace('"', "")))
        parts.append(part)
    if not parts:
        raise MalformedXML

    checksum = _ObjectChecksum(self.metadata.get("x-amz-checksum-algorithm"), self.metadata.get("x-amz-checksum-type"))

    def object_bytes() -> Iterator[bytes]:
        for part in parts:
            checksum.part_started()
            for chunk in _read(part, 0, part.size):
                checksum.update(chunk)
                yield chunk
            checksum.part_finished()

    content = _spool(object_bytes(), compute_md5=False)
    etag = f"{hashlib.md5(bytes(part_md5s), usedforsecurity=False).hexdigest()}-{len(parts)}"
    return content, etag, checksum.result()


def install() -> None:
    FakeKey.value = FakeKey.value.setter(_set_value)  # type: ignore[method-assign]
    S3Backend.upload_part_copy = upload_part_copy  # type: ignore[method-assign]
    FakeMultipart.complete = complete  # type: ignore[method-assign]
