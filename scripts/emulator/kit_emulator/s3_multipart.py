"""Multipart copies and completions that stream through files instead of holding whole objects in memory.

What moto 5.2.5 does (moto/s3/models.py):
- S3Backend.upload_part_copy reads the whole source object (FakeKey.value, the full object as bytes) for
  every part and then slices out the part's range: a 1 GiB object copied as 16 parts of 64 MiB, 8 at a
  time, reads 16 GiB and holds up to 8 GiB at once.
- FakeMultipart.complete joins every part into one bytearray, copies it to bytes, and for the default
  full-object checksum joins the parts once more (MultipartChecksumBuilder): three copies of the object in
  memory before the new key copies it into its own buffer.

Here a part copy reads only its range, in chunks, for the part's MD5 (its ETag) and its checksum in the
upload's algorithm, while the kernel copies the range from the source's file into the part's
(copy_file_range). Completion checks the parts exactly as moto does, has the kernel copy them into the
object's file, and builds the object's checksum from the parts' (a composite checksum from their digests,
zlib's CRC-32 by combining theirs); only parts it has no checksum of (UploadPart, or an algorithm that does
not combine) are read again. A key adopts the finished file as its buffer instead of copying bytes into it.
Storage stays moto's: a SpooledTemporaryFile per key that moves to disk above moto's key buffer size
(smaller contents go through memory as before). moto closes the parts' files once the upload is complete:
complete_multipart_upload deletes the upload from bucket.multiparts, a MultipartDict that disposes what is
deleted; the parts stay attached to the key (key.multipart) with their sizes and ETags only, for HEAD
?partNumber. Reading and writing 1 GiB through Python had taken 2.8-3 s of a completion on this machine.

moto disposes a key (closes its file) without regard to readers: a part uploaded again disposes the one it
replaces, also while a completion reads it (an abort waits for the completion: s3_conditions.py). Reads
therefore go through a descriptor of their own, duplicated under the key's lock, which moto's dispose takes
here too: the file stays open until the read is done, and a closed descriptor's number, which the process
may already have given to another file, is never read. A part replaced before the completion reads it is
answered InvalidPart, as a part that no longer matches the list.

moto also finds an upload by its id alone: a part or a completion sent to another key of the bucket with an upload's
id was taken, and the completion wrote the upload's own key while its condition (If-None-Match) was checked against,
and its lock held on, the other one. An upload id is its key's only, as on S3 (NoSuchUpload otherwise). And a part
copy of a source in an archive storage class, which CopyObject refuses until the source is restored, is refused alike.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
import tempfile
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qs, urlparse

from moto.core.compat import HAS_CRT
from moto.s3 import models
from moto.s3.exceptions import (EntityTooSmall, InvalidArgumentError, InvalidMaxPartNumberArgument, InvalidPart, InvalidPartOrder, MalformedXML,
                                MissingKey, NoSuchUpload, ObjectNotInActiveTierError, S3ClientError)
from moto.s3.models import ARCHIVE_STORAGE_CLASSES, FakeKey, FakeMultipart, S3Backend
from moto.s3.responses import S3Response
from moto.s3.utils import compute_checksum
from moto.settings import get_s3_default_key_buffer_size

# Bytes read from one file and written to another at a time: large enough to keep the copy in C, small
# enough that eight concurrent part copies hold little memory.
CHUNK_BYTES = 8 << 20
#: S3's highest part number (moto's InvalidMaxPartNumberArgument says the same number in its message).
MAX_PART_NUMBER = 10_000
# The checksum S3 (and moto) keep for an object whose upload named none.
_DEFAULT_ALGORITHM = "CRC64NVME"


@dataclass(frozen=True)
class SpooledContent:
    """Bytes already written to a spooled file, which a FakeKey adopts instead of copying them."""

    file: Any  # tempfile.SpooledTemporaryFile
    size: int
    # The MD5 of the content when it was computed on the way (a part's ETag); None leaves the key's ETag alone.
    md5_hex: str | None = None


@contextmanager
def _file_of(key: FakeKey) -> Iterator[int | None]:
    """A descriptor of its own for the file under a key's spooled buffer once moto has moved it to a file
    (None while it is in memory), open until the block ends even if the key is disposed meanwhile."""
    with key.lock:
        if key.disposed:
            raise MissingKey(key=key.name)
        buffer = key._value_buffer
        # SpooledTemporaryFile.fileno() would move an in-memory buffer to disk: ask first.
        descriptor = os.dup(buffer.fileno()) if getattr(buffer, "_rolled", False) else None
    try:
        yield descriptor
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _chunks(key: FakeKey, descriptor: int | None, start: int, stop: int) -> Iterator[bytes]:
    """Bytes [start, stop) of a key, a chunk at a time: positioned reads from its file (the descriptor from
    _file_of), which need no lock, or moto's seek and read under the key's lock while the buffer is in memory."""
    position = start
    while position < stop:
        size = min(CHUNK_BYTES, stop - position)
        if descriptor is not None:
            chunk = os.pread(descriptor, size, position)
        else:
            with key.lock:
                if key.disposed:
                    raise MissingKey(key=key.name)
                key._value_buffer.seek(position)
                chunk = key._value_buffer.read(size)
        if not chunk:
            return
        position += len(chunk)
        yield chunk


def _read(key: FakeKey, start: int, stop: int) -> Iterator[bytes]:
    with _file_of(key) as descriptor:
        yield from _chunks(key, descriptor, start, stop)


class _Spooled:
    """A new key's content, written at explicit offsets. When it is larger than moto keeps in memory it goes to
    a file from the start, and ranges of other keys' files are copied into it by the kernel (copy_file_range:
    0.14 s for 512 MiB here, against 1.4 s to read and write them)."""

    def __init__(self, expected_size: int) -> None:
        max_size = get_s3_default_key_buffer_size()
        self.file = tempfile.SpooledTemporaryFile(max_size=max_size)
        self._descriptor: int | None = None
        if expected_size > max_size:
            self.file.rollover()
            self._descriptor = self.file.fileno()
        self.size = 0

    def append(self, data: bytes) -> None:
        if self._descriptor is None:
            self.file.write(data)
        else:
            view = memoryview(data)
            while view:
                view = view[os.pwrite(self._descriptor, view, self.size + len(data) - len(view)):]
        self.size += len(data)

    def append_range(self, key: FakeKey, start: int, stop: int) -> None:
        with _file_of(key) as source:
            if self._descriptor is not None and source is not None:
                try:
                    while start < stop:
                        copied = os.copy_file_range(source, self._descriptor, stop - start, start, self.size)
                        if copied == 0:
                            return
                        start += copied
                        self.size += copied
                    return
                except OSError:  # a file system or kernel without it: copy what is left through memory
                    pass
            for chunk in _chunks(key, source, start, stop):
                self.append(chunk)

    def content(self, md5_hex: str | None = None) -> SpooledContent:
        return SpooledContent(self.file, self.size, md5_hex)


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
    multipart = self.get_bucket(dest_bucket_name).multiparts.get(multipart_id)
    if multipart is None:
        raise NoSuchUpload(upload_id=multipart_id)
    if not 1 <= part_id <= MAX_PART_NUMBER:
        raise InvalidMaxPartNumberArgument(part_id)
    source = self.get_object(src_bucket_name, src_key_name, version_id=src_version_id)
    restore = source.response_dict.get("x-amz-restore") if source is not None else None
    if source is not None and source.storage_class in ARCHIVE_STORAGE_CLASSES and (restore is None or 'ongoing-request="true"' in restore):
        raise ObjectNotInActiveTierError(source)
    # S3 refuses a range that does not lie inside the source (moto cut it short, or copied nothing, and answered 200).
    if start_byte is not None and (start_byte > end_byte or end_byte >= source.size):
        raise InvalidArgumentError(f"Range specified is not valid for source object of size: {source.size}", "x-amz-copy-source-range",
                                   f"bytes={start_byte}-{end_byte}")
    start, stop = (0, source.size) if start_byte is None else (start_byte, end_byte + 1)
    algorithm = multipart.metadata.get("x-amz-checksum-algorithm") or _DEFAULT_ALGORITHM
    digest = hashlib.md5(usedforsecurity=False)
    checksum = _RunningChecksum(algorithm)
    for chunk in _read(source, start, stop):
        digest.update(chunk)
        checksum.update(chunk)
    part = _Spooled(stop - start)
    try:
        part.append_range(source, start, stop)
        key = multipart.set_part(part_id, part.content(digest.hexdigest()))
    except BaseException:
        part.file.close()
        raise
    _part_checksums[key] = _PartChecksum(algorithm, checksum.digest(), checksum.crc32)
    return key


@dataclass(frozen=True)
class _PartChecksum:
    """A copied part's checksum in its upload's algorithm, computed while it was copied, so that completion
    need not read the part again."""

    algorithm: str
    digest: bytes
    # The part's CRC-32 when the algorithm is computed as zlib's CRC-32 here: parts' CRCs combine into the object's.
    crc32: int | None


# Parts are moto's FakeKeys; an entry goes when its part does.
_part_checksums: weakref.WeakKeyDictionary[FakeKey, _PartChecksum] = weakref.WeakKeyDictionary()


def _gf2_times(matrix: Iterable[int], vector: int) -> int:
    """A 32x32 matrix over GF(2), given as the images of the 32 unit vectors, applied to a vector."""
    total = 0
    for row in matrix:
        if not vector:
            break
        if vector & 1:
            total ^= row
        vector >>= 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


@functools.lru_cache(maxsize=64)
def _zero_bytes_operator(length: int) -> tuple[int, ...]:
    """What appending `length` zero bytes does to a CRC-32: a linear operator, built by repeated squaring of
    the one-zero-bit operator as zlib's crc32_combine does (parts of one size share it)."""
    power = _gf2_square(_gf2_square(_gf2_square([0xEDB88320] + [1 << n for n in range(31)])))  # one zero byte
    operator = [1 << n for n in range(32)]
    while length:
        if length & 1:
            operator = [_gf2_times(power, row) for row in operator]
        length >>= 1
        if length:
            power = _gf2_square(power)
    return tuple(operator)


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from CRC-32(A), CRC-32(B) and len(B), as zlib's crc32_combine computes it."""
    return _gf2_times(_zero_bytes_operator(length2), crc1) ^ crc2


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

    @property
    def crc32(self) -> int | None:
        """The value when this is zlib's CRC-32 (CRC32, and CRC32C or CRC64NVME without their libraries)."""
        return self._crc if self._hash is None and self._crc_width == 4 and self._crc32c is None else None


class _ObjectChecksum:
    """moto's MultipartChecksumBuilder, streaming: CRC64NVME over the whole object unless the upload named an
    algorithm, which is then a COMPOSITE checksum of the parts' checksums (or FULL_OBJECT when asked)."""

    def __init__(self, algorithm: str | None, checksum_type: str | None) -> None:
        self.algorithm = algorithm or _DEFAULT_ALGORITHM
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

    def of_parts(self, parts: list[FakeKey]) -> tuple[str, str, int]:
        """The checksum of the parts in order: from the checksums their copies computed when it can, else by
        reading them."""
        known = [_part_checksums.get(part) for part in parts]
        if all(checksum is not None and checksum.algorithm == self.algorithm for checksum in known):
            if self.type == "COMPOSITE":
                self._part_digests = bytearray(b"".join(checksum.digest for checksum in known if checksum))
                self._parts = len(parts)
                return self.result()
            crcs = [checksum.crc32 for checksum in known if checksum]
            if all(crc is not None for crc in crcs):
                combined = 0
                for part, crc in zip(parts, crcs):
                    combined = crc32_combine(combined, crc or 0, part.size)
                return self.type, base64.b64encode(combined.to_bytes(4, "big")).decode(), 1
        for part in parts:
            self.part_started()
            for chunk in _read(part, 0, part.size):
                self.update(chunk)
            self.part_finished()
        return self.result()

    def result(self) -> tuple[str, str, int]:
        if self.type == "COMPOSITE":
            return self.type, compute_checksum(bytes(self._part_digests), self.algorithm).decode(), self._parts
        return self.type, base64.b64encode(self._whole.digest()).decode(), 1


def complete(self: FakeMultipart, body: Iterator[tuple[int, str]]) -> tuple[SpooledContent, str, tuple[str, str, int]]:
    parts: list[FakeKey] = []
    part_md5s = bytearray()
    previous = 0
    for part_number, etag in body:
        # S3 takes the parts in ascending order, each once (moto's own check of the order never fires).
        if part_number <= previous:
            raise InvalidPartOrder()
        previous = part_number
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
    assembled = _Spooled(sum(part.size for part in parts))
    try:
        object_checksum = checksum.of_parts(parts)
        for part in parts:
            assembled.append_range(part, 0, part.size)
    except BaseException as error:
        assembled.file.close()
        if isinstance(error, MissingKey):  # a part uploaded again since it was checked: no longer the part listed
            raise InvalidPart() from error
        raise
    etag = f"{hashlib.md5(bytes(part_md5s), usedforsecurity=False).hexdigest()}-{len(parts)}"
    return assembled.content(), etag, object_checksum


_moto_dispose = FakeKey.dispose


def _dispose(self: FakeKey, garbage: bool = False) -> None:
    # Under the key's lock, so that a read never duplicates a descriptor that is being closed.
    with self.lock:
        _moto_dispose(self, garbage)


_original_complete_multipart_upload = S3Backend.complete_multipart_upload


def complete_multipart_upload(self: S3Backend, bucket_name: str, multipart_id: str, body: Iterator[tuple[int, str]]) -> Any:
    """moto's, answering S3's 404 NoSuchUpload for an upload id that is not (or no longer) there, as its abort and
    ListParts do, where it failed with a KeyError (500). moto answers a repeated completion before it gets here."""
    if multipart_id not in self.get_bucket(bucket_name).multiparts:
        raise NoSuchUpload(upload_id=multipart_id)
    return _original_complete_multipart_upload(self, bucket_name, multipart_id, body)


_COPY_SOURCE_RANGE = re.compile(r"bytes=\d+-\d+")
_original_upload_part_copy_response = S3Response.upload_part_copy


def upload_part_copy_response(self: S3Response) -> Any:
    """moto's, refusing a range that is not bytes=first-last as S3 does: moto read one it could not parse as no range at
    all and copied the whole source."""
    requested = self.headers.get("x-amz-copy-source-range")
    if requested is not None and not _COPY_SOURCE_RANGE.fullmatch(requested):
        raise InvalidArgumentError("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the "
                                   "zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", requested)
    return _original_upload_part_copy_response(self)


def _upload_ids_of_their_keys(key_response: Any) -> Any:
    """S3Response._key_response, answering NoSuchUpload to a request on one key with the id of another key's upload."""

    def checked(self: S3Response, request: Any, full_url: str) -> Any:
        upload_id = parse_qs(urlparse(full_url).query).get("uploadId", [None])[0]
        if upload_id is not None:
            try:
                multipart = self.backend.get_bucket(self.parse_bucket_name_from_url(request, full_url)).multiparts.get(upload_id)
            except S3ClientError:  # no such bucket: moto answers it
                multipart = None
            if multipart is not None and multipart.key_name != self.parse_key_name():
                raise NoSuchUpload(upload_id=upload_id)
        return key_response(self, request, full_url)

    return checked


def install() -> None:
    S3Response._key_response = _upload_ids_of_their_keys(S3Response._key_response)  # type: ignore[method-assign]
    S3Response.upload_part_copy = upload_part_copy_response  # type: ignore[method-assign]
    S3Backend.complete_multipart_upload = complete_multipart_upload  # type: ignore[method-assign]
    FakeKey.dispose = _dispose  # type: ignore[method-assign]
    FakeKey.value = FakeKey.value.setter(_set_value)  # type: ignore[method-assign]
    S3Backend.upload_part_copy = upload_part_copy  # type: ignore[method-assign]
    FakeMultipart.complete = complete  # type: ignore[method-assign]
