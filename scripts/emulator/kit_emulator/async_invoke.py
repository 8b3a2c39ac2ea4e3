"""Asynchronous invocation as Lambda does it: queue the event, retry a failing one as the function's
EventInvokeConfig says, then hand it to the on-failure destination in AWS's record shape.

Lambda waits about one and then two minutes between attempts; the emulator shortens the waits to
KIT_EMULATOR_RETRY_DELAYS seconds (default "1,2") so that a failed event is parked within seconds.
Every attempt of one event runs with the same request id, as on AWS and LocalStack. An event whose function
was deleted before its turn is dropped, with a log line. So are the events still queued or waiting for a retry
when the emulator stops: its state ends with it, and a retry must not keep the process alive (nor start a
function whose emulator is gone).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException

from . import lambda_runtime

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 21600


def _retry_delays() -> list[float]:
    raw = os.environ.get("KIT_EMULATOR_RETRY_DELAYS", "1,2")
    return [float(part) for part in raw.split(",") if part.strip()]


class AsyncInvoker:
    def __init__(self, workers: int = 8) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-async")
        self._pending = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def shutdown(self) -> None:
        """Stops delivering: queued events are not run, and an event waiting for a retry gives up at once."""
        with self._lock:
            self._stopping.set()
            pending = self._pending
        self._executor.shutdown(wait=False, cancel_futures=True)
        if pending:
            print(f"[lambda-async] the emulator is stopping: {pending} event(s) not yet delivered are dropped",
                  file=sys.stderr, flush=True)

    def submit(self, fn: Any, event: Any) -> None:
        # Checked and submitted under the lock that shutdown() takes: no event reaches a shut executor.
        with self._lock:
            future = None
            if not self._stopping.is_set():
                self._pending += 1
                future = self._executor.submit(self._run, fn, event, time.monotonic())
        if future is not None:
            # Counted down when the event ends or is cancelled by shutdown() before it ran (outside the lock: a
            # future already done runs the callback at once, in this thread).
            future.add_done_callback(self._done)
            return
        print(f"[lambda-async] {fn.function_name}: an event arrived while the emulator is stopping and is not delivered",
              file=sys.stderr, flush=True)

    def _done(self, _: Any) -> None:
        with self._lock:
            self._pending -= 1

    def _run(self, fn: Any, event: Any, queued_at: float) -> None:
        try:
            self._deliver(fn, event, queued_at)
        except Exception as error:  # a bug here must be visible, not lose the event silently
            print(f"[lambda-async] {fn.function_name}: event lost by the emulator: {error!r}", file=sys.stderr, flush=True)

    def _deliver(self, fn: Any, event: Any, queued_at: float) -> None:
        config = fn.event_invoke_config[0].config if fn.event_invoke_config else {}
        max_retries = int(config.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
        max_age = float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S))
        delays = _retry_delays()
        request_id = str(uuid.uuid4())
        attempts = 0
        condition = "RetriesExhausted"
        while True:
            if self._stopping.is_set():
                return _dropped(fn, request_id, attempts, "the emulator is stopping")
            if not lambda_runtime.is_deployed(fn):
                return _dropped(fn, request_id, attempts, "the function was deleted")
            try:
                result = lambda_runtime.invoke(fn, event, request_id)
            except lambda_runtime.EmulatorStopping:
                return _dropped(fn, request_id, attempts, "the emulator is stopping")
            except UnknownFunctionException:
                return _dropped(fn, request_id, attempts, "the function was deleted")
            if result.errored and self._stopping.is_set():
                # Its function process was stopped with the emulator: not an attempt that failed by itself.
                return _dropped(fn, request_id, attempts, "the emulator is stopping")
            attempts += 1
            if not result.errored:
                return
            if attempts > max_retries:
                break
            delay = delays[min(attempts - 1, len(delays) - 1)] if delays else 0
            if time.monotonic() - queued_at + delay > max_age:
                condition = "EventAgeExceeded"
                break
            self._stopping.wait(delay)
        self._on_failure(fn, event, result, attempts, condition, config)

    def _on_failure(self, fn: Any, event: Any, result: lambda_runtime.InvocationResult, attempts: int,
                    condition: str, config: dict[str, Any]) -> None:
        destination = (config.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
        if not destination:
            print(f"[lambda-async] {fn.function_name}: event dropped after {attempts} attempts (no on-failure destination)",
                  file=sys.stderr, flush=True)
            return
        try:
            response_payload: Any = json.loads(result.payload)
        except ValueError:
            response_payload = result.payload
        record = {
            "version": "1.0",
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": result.request_id,
                "functionArn": f"{fn.function_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": result.function_error},
            "responsePayload": response_payload,
        }
        _send_to_destination(fn, destination, json.dumps(record))
        print(f"[lambda-async] {fn.function_name}: event sent to {destination} after {attempts} attempts ({condition})",
              file=sys.stderr, flush=True)


def _dropped(fn: Any, request_id: str, attempts: int, reason: str) -> None:
    print(f"[lambda-async] {fn.function_name}: event {request_id} dropped after {attempts} attempts: {reason}", file=sys.stderr, flush=True)


def _send_to_destination(fn: Any, arn: str, body: str) -> None:
    service, region, account = arn.split(":")[2], arn.split(":")[3], arn.split(":")[4]
    name = arn.split(":")[-1]
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        sqs_backends[account][region].send_message(queue_name=name, message_body=body)
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account][region].publish(message=body, arn=arn)
    elif service == "lambda":
        from moto.awslambda.utils import get_backend

        invoker.submit(get_backend(account, region).get_function(arn), json.loads(body))
    else:
        raise ValueError(f"on-failure destination {arn} is not supported by the emulator (use SQS, SNS or Lambda)")


invoker = AsyncInvoker()
