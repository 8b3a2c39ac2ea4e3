"""Lambda's Invoke API on the Node.js executor: synchronous invocations answer with the function's result
(a function error is flagged `X-Amz-Function-Error: Unhandled`, as AWS does), `Event` invocations are
queued for asynchronous delivery with retries and destinations."""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.core.exceptions import JsonRESTError

from . import lambda_runtime
from .async_invoke import invoker

LOG_TAIL_BYTES = 4096
#: Lambda's limit on a synchronous invocation's request payload.
SYNC_REQUEST_LIMIT_BYTES = 6_291_456
#: Lambda's limit on an asynchronous invocation's payload (API_Invoke: 1 MB).
ASYNC_REQUEST_LIMIT_BYTES = 1_048_576
#: Lambda's limit on a synchronous invocation's response ("Response payload size exceeded maximum allowed payload
#: size (6291556 bytes)"), and the one moto checks it against, with sys.getsizeof.
RESPONSE_LIMIT_BYTES = lambda_runtime.RESPONSE_LIMIT_BYTES
_MOTO_RESPONSE_LIMIT = 6_000_000

_probe = type("_Probe", (bytes,), {"__slots__": ()})()
#: What sys.getsizeof adds to __sizeof__ for a bytes subclass (the garbage collector's header).
_GC_HEADER_BYTES = sys.getsizeof(_probe) - bytes.__sizeof__(_probe)


class _Response(bytes):
    """A response as moto's check (sys.getsizeof(payload) > 6,000,000) must see it to refuse exactly what Lambda
    refuses: a response over 6,291,556 bytes, not one over about 6,000,000."""

    __slots__ = ()

    def __sizeof__(self) -> int:
        return max(0, len(self) - (RESPONSE_LIMIT_BYTES - _MOTO_RESPONSE_LIMIT) - _GC_HEADER_BYTES)


class InvalidRequestContent(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestContentException", message)


class RequestTooLarge(JsonRESTError):
    code = 413

    def __init__(self, message: str) -> None:
        super().__init__("RequestEntityTooLargeException", message)


def _invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> bytes:
    invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
    limit = ASYNC_REQUEST_LIMIT_BYTES if invocation_type == "Event" else SYNC_REQUEST_LIMIT_BYTES
    if len(body.encode()) > limit:
        raise RequestTooLarge(f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
    try:
        event = json.loads(body) if body else {}
    except ValueError as error:
        # As Lambda answers a payload that is not JSON: the caller's mistake (400), which SDKs do not retry.
        raise InvalidRequestContent(f"Could not parse request body into json: {error}") from error
    if invocation_type == "Event":
        invoker.submit(self, event)
        return b""
    if invocation_type == "DryRun":
        return b""
    result = lambda_runtime.invoke(self, event)
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    response_headers["x-amz-executed-version"] = "$LATEST"
    tail = result.logs.encode("utf-8")[-LOG_TAIL_BYTES:]
    response_headers["x-amz-log-result"] = base64.b64encode(tail).decode("ascii")
    return _Response(result.payload)


def _invoke_lambda(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    """moto's own callers (SNS, SQS event sources) reach the same executor."""
    parsed = json.loads(event) if isinstance(event, str) else event
    result = lambda_runtime.invoke(self, parsed)
    return result.payload.decode("utf-8"), result.errored, result.logs


def install() -> None:
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
