"""A record of the emulator's recent requests, so that what a function does can be measured from outside it.

Each request is recorded with when it arrived and when its response left (epoch milliseconds, taken by
the server as kit_emulator/http_server.py explains, so that overlapping requests are calls a client made in
parallel), its service and operation, its status, the client's port (one port is one connection) and its
user agent (a function's SDK names its execution environment, `exec-env/AWS_Lambda_nodejs22.x`).
`GET /_backup-kit/requests?since=<epoch ms>` returns them; only the most recent RECORDS_KEPT are kept. A
record is added when the server closes the response, a moment after the client has it: a client that reads
the log right after a response waits for that response's record.

`&operation=<name>&path=<path>` (or `&pathPrefix=<prefix>`) `&succeeded=true` keeps only the successful records
of that operation on that path, and `&waitMs=<ms>` holds the answer until one (or `&atLeast=<n>`) has been
recorded, or the wait ended: a watcher learns that writes happened with one request instead of polling, which
would load the emulator it measures (a listing of 500 keys every quarter second took a sixth of its time).

The log names each request, and so this module is also where requests are read for the others (the fault
injector, the role check in function_role_policy.py): its credential scope, S3 bucket and key, S3 operation
(judged from the request itself where the SDK's `x-id` is not to be trusted), and a query-protocol form.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import deque
from itertools import islice, takewhile
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import parse_qs, unquote

from .http_server import ARRIVED_NS, LAST_WRITE_NS

RECORDS_KEPT = 20_000
# Query-protocol requests (SNS, STS, CloudFormation …) name their operation in a form body; larger bodies are not read.
FORM_BODY_LIMIT = 1 << 20

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# Each record with the instant it was added (epoch ms), which no earlier record's is after: a watcher reads back from
# the newest only to the first added before its instant. Reading the whole log cost each watcher 1.5 ms of the
# emulator's time at 10,000 records (3.4 ms at 20,000), spent while the function it watches waited for its answers.
_records: deque[tuple[float, dict[str, Any]]] = deque(maxlen=RECORDS_KEPT)
# Guards _records; notified after each append. _appended counts every record ever added.
_recorded = threading.Condition()
_appended = 0
# Set when the emulator stops: held watchers answer with what they found (the server joins its workers).
_stopping = False


def records_since(since_ms: float, operation: str | None = None, path: str | None = None, path_prefix: str | None = None,
                  succeeded: bool = False, at_least: int = 1, wait_s: float = 0) -> list[dict[str, Any]]:
    """The records since an instant, of one operation and one path (or paths under a prefix) if named, successful
    ones only if asked; waits up to wait_s until at least `at_least` exist, looking only at the records added
    meanwhile."""

    def wanted(record: dict[str, Any]) -> bool:
        return (record["startMs"] >= since_ms and (operation is None or record["operation"] == operation)
                and (path is None or record["path"] == path)
                and (path_prefix is None or str(record["path"]).startswith(path_prefix))
                and (not succeeded or record.get("status", 500) < 300))

    deadline = time.monotonic() + wait_s
    # Only copies are taken under the lock: every response's record waits for it (_append). A record added before the
    # instant ended before it, and so started before it.
    with _recorded:
        recent, seen = list(takewhile(lambda entry: entry[0] >= since_ms, reversed(_records))), _appended
    found = [record for _, record in reversed(recent) if wanted(record)]
    while len(found) < at_least and (remaining := deadline - time.monotonic()) > 0 and not _stopping:
        with _recorded:
            if _appended == seen and not _stopping:
                _recorded.wait(remaining)
            added = min(_appended - seen, len(_records))
            seen = _appended
            new_records = list(islice(reversed(_records), added))[::-1]
        found.extend(record for _, record in new_records if wanted(record))
    return found


def stop_waiting() -> None:
    """Answers every held watcher now and any later one at once: the emulator is stopping."""
    global _stopping
    with _recorded:
        _stopping = True
        _recorded.notify_all()


def _append(record: dict[str, Any]) -> None:
    global _appended
    with _recorded:
        _records.append((_now_ms(), record))
        _appended += 1
        _recorded.notify_all()


def _now_ms() -> float:
    return time.time_ns() / 1e6


# Where a request's operation is kept once named: the fault injector and the log both ask for it.
_OPERATION = "backup_kit.operation"


def credential_scope(environ: dict[str, Any]) -> list[str] | None:
    """A SigV4 request's credential scope, [key, date, region, service, "aws4_request"], from its Authorization
    header ("AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, …") or, for a presigned
    URL, its X-Amz-Credential; None for any other request."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if header.startswith("AWS4-HMAC-SHA256 "):
        scope = header.split(",")[0].split()[1].removeprefix("Credential=").split("/")
    else:
        credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential")
        scope = credential[0].split("/") if credential else []
    return scope if len(scope) == 5 else None


def service_of(environ: dict[str, Any]) -> str:
    """The AWS service a request is signed for ("s3", "sns", …), or "unsigned"."""
    scope = credential_scope(environ)
    return scope[3] if scope else "unsigned"


# Where a query-protocol request's form is kept once parsed: the log, the fault injector and the role check read it.
_FORM = "backup_kit.form"


def form_parameters(environ: dict[str, Any]) -> dict[str, str] | None:
    """A query-protocol request's form (Action, TopicArn, …), parsed once per request; None for any other body."""
    if _FORM not in environ:
        environ[_FORM] = _read_form(environ)
    return environ[_FORM]


def _read_form(environ: dict[str, Any]) -> dict[str, str] | None:
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= FORM_BODY_LIMIT:
        return None
    return {name: values[0] for name, values in parse_qs(request_body(environ).decode("utf-8", "replace")).items()}


def request_body(environ: dict[str, Any]) -> bytes:
    """A request's body, read here and put back for the application, which reads it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


# Subresources that name an operation on an object (the path has a key) or on a bucket (it has none).
_S3_OBJECT_SUBRESOURCES = {
    ("GET", "tagging"): "GetObjectTagging", ("PUT", "tagging"): "PutObjectTagging", ("DELETE", "tagging"): "DeleteObjectTagging",
    ("GET", "uploadId"): "ListParts", ("DELETE", "uploadId"): "AbortMultipartUpload",
    ("POST", "uploads"): "CreateMultipartUpload", ("POST", "uploadId"): "CompleteMultipartUpload",
    ("GET", "attributes"): "GetObjectAttributes",
}
_S3_BUCKET_SUBRESOURCES = {
    ("GET", "versions"): "ListObjectVersions", ("POST", "delete"): "DeleteObjects", ("GET", "uploads"): "ListMultipartUploads",
}
_S3_OBJECT_OPERATIONS = {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}
_S3_BUCKET_OPERATIONS = {"GET": "ListObjects", "HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
# Parameters of ListObjects (version 1): a GET on a bucket with only these lists it.
_S3_LIST_PARAMETERS = {"prefix", "delimiter", "marker", "max-keys", "encoding-type"}
# Parameters that only shape a GetObject or HeadObject (its response headers, one part of it): not operations.
_S3_READ_PARAMETERS = {"response-cache-control", "response-content-disposition", "response-content-encoding",
                       "response-content-language", "response-content-type", "response-expires", "partNumber"}


def s3_target(environ: dict[str, Any]) -> tuple[str, str]:
    """The bucket and key a request names, path-style or virtual-hosted ("<bucket>.localhost"), decoded once from
    the path as it arrived, as moto reads it (PATH_INFO is decoded already: a key's %25 would be decoded twice)."""
    raw = environ.get("RAW_URI") or environ.get("PATH_INFO", "")
    path = unquote(raw.split("?", 1)[0])
    host = environ.get("HTTP_HOST", "").split(":")[0]
    first_label = host.split(".")[0]
    if "." in host and not re.fullmatch(r"[\d.]+", host) and first_label not in ("s3", "localhost"):
        return first_label, path.lstrip("/")
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def s3_header(environ: dict[str, Any], name: str) -> str | None:
    """An S3 request's x-amz-* header by its lower-case name ("x-amz-acl"): sent as a header or, in a presigned
    URL, moved into the query string, where S3 reads it as the header it stands for."""
    value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    if value is not None or name not in environ.get("QUERY_STRING", "").lower():
        return value
    hoisted = [values[0] for parameter, values in parse_qs(environ["QUERY_STRING"], keep_blank_values=True).items() if parameter.lower() == name]
    return hoisted[0] if hoisted else None


def s3_operation(environ: dict[str, Any], trust_sdk_name: bool = True) -> str:
    """The S3 operation a request calls. The JavaScript SDK names most operations itself (`x-id`); the name the
    request's method, path, query and headers give is used where that name is not to be trusted."""
    method = environ.get("REQUEST_METHOD", "")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    named = query.pop("x-id", None)
    if named and trust_sdk_name:
        return named[0]
    # A presigned URL's signature (X-Amz-Credential …) and the headers it carries (x-amz-checksum-mode …) are
    # query parameters that name no operation.
    for parameter in [name for name in query if name.lower().startswith("x-amz-")]:
        del query[parameter]
    query.pop("versionId", None)
    bucket, key = s3_target(environ)
    has_key = bool(key)
    if has_key and method in ("GET", "HEAD"):
        for name in _S3_READ_PARAMETERS:
            query.pop(name, None)
    copies = s3_header(environ, "x-amz-copy-source") is not None
    if method == "PUT" and "partNumber" in query:
        return "UploadPartCopy" if copies else "UploadPart"
    if method == "PUT" and copies:
        return "CopyObject"
    subresources = _S3_OBJECT_SUBRESOURCES if has_key else _S3_BUCKET_SUBRESOURCES
    for name in query:
        if (method, name) in subresources:
            return subresources[(method, name)]
    if method == "GET" and not bucket:
        return "ListBuckets"
    if method == "GET" and not has_key and query.get("list-type") == ["2"]:
        return "ListObjectsV2"
    if method == "GET" and not has_key and set(query) <= _S3_LIST_PARAMETERS:
        return "ListObjects"
    if not query and method in _S3_OBJECT_OPERATIONS:
        return (_S3_OBJECT_OPERATIONS if has_key else _S3_BUCKET_OPERATIONS)[method]
    return f"{method} {'object' if has_key else 'bucket'}{'?' + ','.join(sorted(query)) if query else ''}"


def operation_of(environ: dict[str, Any]) -> str:
    """The API operation a request calls (CopyObject, Publish, …), named once per request."""
    if _OPERATION not in environ:
        environ[_OPERATION] = _operation(environ, service_of(environ))
    return str(environ[_OPERATION])


def _operation(environ: dict[str, Any], service: str) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if service == "s3":
        return s3_operation(environ)
    return (form_parameters(environ) or {}).get("Action") or f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')}"


class _Recorded:
    """The application's response, recorded when the server closes it (after the last byte was sent)."""

    def __init__(self, body: Iterable[bytes], record: dict[str, Any], last_write_ns: Callable[[], int] | None) -> None:
        self._body = body
        self._record = record
        self._last_write_ns = last_write_ns

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            written_ns = self._last_write_ns() if self._last_write_ns is not None else 0
            self._record["endMs"] = written_ns / 1e6 if written_ns else _now_ms()
            _append(self._record)


def recording(app: WsgiApp) -> WsgiApp:
    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        arrived_ns = environ.get(ARRIVED_NS)
        record: dict[str, Any] = {
            "startMs": arrived_ns / 1e6 if arrived_ns else _now_ms(),
            "service": service_of(environ),
            "operation": operation_of(environ),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "remotePort": environ.get("REMOTE_PORT"),
            "userAgent": environ.get("HTTP_USER_AGENT", ""),
        }

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            record["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        return _Recorded(app(environ, recording_start_response), record, environ.get(LAST_WRITE_NS))

    return wrapped
