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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from kit_lambda_runtime.environment import InvocationResult, error_payload
from moto.awslambda.exceptions import InvalidParameterValueException, UnknownFunctionException, ValidationException
from moto.awslambda.models import EventInvokeConfig, LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import ActionResult

from . import function_role_policy, lambda_runtime

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 21600


def _retry_delays() -> list[float]:
    raw = os.environ.get("KIT_EMULATOR_RETRY_DELAYS", "1,2")
    return [float(part) for part in raw.split(",") if part.strip()]


@dataclass
class _Event:
    """One asynchronous event: what it runs, since when, under which request id, and how often it ran."""

    fn: Any
    payload: Any
    queued_at: float
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0


class AsyncInvoker:
    """Runs asynchronous events on a few workers. An event waiting for its retry, or for a late delivery (faults.py),
    holds no worker (a timer puts it in the queue), so a failing function does not hold back the events of others."""

    def __init__(self, workers: int = 8) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-async")
        self._pending = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        #: Events waiting for their retry, by request id, with the timer that will queue them again.
        self._waiting: dict[str, tuple[threading.Timer, _Event]] = {}

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def shutdown(self) -> None:
        """Stops delivering: queued events are not run, and an event waiting for a retry or its late delivery gives up at once."""
        with self._lock:
            self._stopping.set()
            pending = self._pending
            waiting, self._waiting = self._waiting, {}
        for timer, event in waiting.values():
            timer.cancel()
            self._stopped(event)
        self._executor.shutdown(wait=False, cancel_futures=True)
        if pending:
            print(f"[lambda-async] the emulator is stopping: {pending} event(s) not yet delivered are dropped",
                  file=sys.stderr, flush=True)

    def submit(self, fn: Any, payload: Any, delay_s: float = 0.0) -> None:
        """Queues an event, or after `delay_s` (it counts as pending meanwhile)."""
        with self._lock:
            if self._stopping.is_set():
                print(f"[lambda-async] {fn.function_name}: an event arrived while the emulator is stopping and is not delivered",
                      file=sys.stderr, flush=True)
                return
            self._pending += 1
        event = _Event(fn, payload, time.monotonic())
        if delay_s > 0:
            self._queue_later(event, delay_s)
        else:
            self._queue(event)

    def _queue(self, event: _Event) -> None:
        # Checked and submitted under the lock that shutdown() takes: no event reaches a shut executor.
        with self._lock:
            future = None if self._stopping.is_set() else self._executor.submit(self._run, event)
        if future is None:
            self._stopped(event)
            return
        # An attempt cancelled by shutdown() before it ran ends its event (outside the lock: a future already done
        # runs the callback at once, in this thread).
        future.add_done_callback(lambda done: self._finished() if done.cancelled() else None)

    def _finished(self) -> None:
        with self._lock:
            self._pending -= 1

    def _stopped(self, event: _Event) -> None:
        """Ends an event the stopping emulator will not deliver, with its log line."""
        _dropped(event, "the emulator is stopping")
        self._finished()

    def _run(self, event: _Event) -> None:
        try:
            retry_in = self._attempt(event)
        except Exception as error:  # a bug here must be visible, not lose the event silently
            print(f"[lambda-async] {event.fn.function_name}: event lost by the emulator: {error!r}", file=sys.stderr, flush=True)
            retry_in = None
        if retry_in is None:
            self._finished()
            return
        self._queue_later(event, retry_in)

    def _queue_later(self, event: _Event, delay_s: float) -> None:
        timer = threading.Timer(delay_s, self._due, args=(event,))
        timer.daemon = True  # a waiting event must not keep the process alive
        with self._lock:
            stopping = self._stopping.is_set()
            if not stopping:
                self._waiting[event.request_id] = (timer, event)
        if stopping:
            self._stopped(event)
            return
        timer.start()

    def _due(self, event: _Event) -> None:
        with self._lock:
            mine = self._waiting.pop(event.request_id, None)
        if mine:  # shutdown() took it otherwise, and said so
            self._queue(event)

    def _attempt(self, event: _Event) -> float | None:
        """Runs one attempt; returns the wait before the next one, or None when the event is done."""
        fn = event.fn
        config = fn.event_invoke_config[0].config if fn.event_invoke_config else {}
        max_retries = int(config.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
        max_age = float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S))
        if self._stopping.is_set():
            return _dropped(event, "the emulator is stopping")
        if not lambda_runtime.is_deployed(fn):
            return _dropped(event, "the function was deleted")
        try:
            # A response over Lambda's limit fails the attempt there too (the Invoke API's check covers RequestResponse only).
            result = lambda_runtime.within_response_limit(lambda_runtime.invoke(fn, event.payload, event.request_id))
        except lambda_runtime.EmulatorStopping:
            return _dropped(event, "the emulator is stopping")
        except UnknownFunctionException:
            return _dropped(event, "the function was deleted")
        except (lambda_runtime.RuntimeStartFailed, InvalidParameterValueException) as error:
            # Lambda's own failures (a runtime that cannot start, one it cannot run) count as failed attempts there too.
            result = InvocationResult(event.request_id, error_payload(error.error_type, error.message), "Unhandled", [], 0.0, False)
        if result.errored and self._stopping.is_set():
            # Its function process was stopped with the emulator: not an attempt that failed by itself.
            return _dropped(event, "the emulator is stopping")
        event.attempts += 1
        if not result.errored:
            self._to_destination(event, result, "Success", config)
            return None
        if event.attempts > max_retries:
            self._to_destination(event, result, "RetriesExhausted", config)
            return None
        delays = _retry_delays()
        delay = delays[min(event.attempts - 1, len(delays) - 1)] if delays else 0
        if time.monotonic() - event.queued_at + delay > max_age:
            self._to_destination(event, result, "EventAgeExceeded", config)
            return None
        return delay

    def _to_destination(self, event: _Event, result: lambda_runtime.InvocationResult, condition: str, config: dict[str, Any]) -> None:
        """Sends an event's record to its on-success destination ("Success") or its on-failure one (any other
        condition), as Lambda's invocation record, when the function has that destination."""
        fn, attempts = event.fn, event.attempts
        destination = (config.get("DestinationConfig") or {}).get("OnSuccess" if condition == "Success" else "OnFailure", {}).get("Destination")
        if not destination:
            if condition != "Success":
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
            "requestPayload": event.payload,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", **({"functionError": result.function_error} if result.errored else {})},
            "responsePayload": response_payload,
        }
        # Lambda sends it with the function's execution role, as on AWS: a role that may not (changed since the
        # destination was configured) loses the event.
        refused = _destination_refusal(fn, destination, _send_action(destination))
        if refused is not None:
            if condition == "Success":
                print(f"[lambda-async] {fn.function_name}: the record of event {event.request_id} was not sent: its execution role may not "
                      f"send it to the on-success destination {destination}: {refused}", file=sys.stderr, flush=True)
            else:
                _dropped(event, f"its execution role may not send it to the on-failure destination {destination}: {refused}")
            return
        try:
            _send_to_destination(fn, destination, json.dumps(record))
        except Exception as error:
            if condition != "Success":
                # Lambda drops it so too (its DestinationDeliveryFailures metric counts it): say where it could not go.
                _dropped(event, f"its on-failure destination {destination} did not take it ({condition}): {error!r}")
                return
            # The event itself succeeded: only its record is not delivered (a destination deleted since it was set).
            print(f"[lambda-async] {fn.function_name}: the record of event {event.request_id} was not sent to {destination}: {error!r}",
                  file=sys.stderr, flush=True)
            return
        print(f"[lambda-async] {fn.function_name}: event sent to {destination} after {attempts} attempts ({condition})",
              file=sys.stderr, flush=True)


def _dropped(event: _Event, reason: str) -> None:
    print(f"[lambda-async] {event.fn.function_name}: event {event.request_id} dropped after {event.attempts} attempts: {reason}",
          file=sys.stderr, flush=True)


_SEND_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction"}


def _send_action(destination: str) -> str:
    """What Lambda calls, as the function's execution role, to hand an event to a destination."""
    return _SEND_ACTIONS.get(destination.split(":")[2] if destination.count(":") >= 5 else "", "*")


def _destination_refusal(fn: Any, destination: str, action: str) -> str | None:
    """Why the function's execution role may not do `action` on a destination, or None."""
    session = function_role_policy.Session(fn.role, fn.function_name)
    return function_role_policy.refusal(session, [function_role_policy.Need(action, destination)])


def _put_function_event_invoke_config(self: LambdaBackend, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Lambda checks a destination against the execution role when it is configured, as it does a dead-letter queue
    ("The provided execution role does not have permissions to call SendMessage on SQS"): a deploy fails there.
    A put replaces the function's configuration, as on AWS (moto's appends one, and the first would stay in force),
    and only once the whole of it is accepted: moto's own checks (retries above 2, an event age above 21600 s, a
    destination that is no ARN) ran after the configuration in force was cleared, so a refused change removed the
    on-failure destination and failed events were dropped from then on."""
    fn = self.get_function(function_name)
    # moto leaves the lower bounds to the SDK's own checks, which not every client makes (the JavaScript SDK does not).
    for setting, name, lowest in (("MaximumRetryAttempts", "maximumRetryAttempts", 0), ("MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", 60)):
        if setting in config and config[setting] < lowest:
            raise ValidationException(config[setting], name, f"Member must have value greater than or equal to {lowest}")
    for outcome in ("OnFailure", "OnSuccess"):
        destination = ((config.get("DestinationConfig") or {}).get(outcome) or {}).get("Destination")
        if not destination:
            continue
        action = _send_action(destination)
        if action == "*":
            raise InvalidParameterValueException(f"{outcome} destination {destination}: the embedded emulator delivers to SQS, SNS and Lambda only")
        if _destination_refusal(fn, destination, action) is not None:
            raise InvalidParameterValueException(f"The function's execution role does not have permissions to call {action.split(':')[-1]} on {destination}")
    # moto's EventInvokeConfig checks the settings as it is made; the one in force is replaced in one step, so that an
    # attempt reading it meanwhile never finds none.
    accepted = EventInvokeConfig(fn.function_arn, fn.last_modified, config)
    fn.event_invoke_config = [accepted]
    return accepted.response()


def _update_function_event_invoke_config(self: LambdaBackend, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Update changes only the settings it is given, as on AWS; moto's replaced the whole configuration, so a change
    of the retries alone removed the on-failure destination and failed events were then dropped."""
    fn = self.get_function(function_name)
    current = dict(fn.event_invoke_config[0].config) if fn.event_invoke_config else {}
    return _put_function_event_invoke_config(self, function_name, {**current, **config})


def _update_response(self: LambdaResponse) -> ActionResult:
    """moto answered Update with LastModified as text, which the SDKs cannot read; answered here as Put answers."""
    function_name = unquote(self.path.rsplit("/", 2)[1])
    return ActionResult(self.backend.update_function_event_invoke_config(function_name, self.json_body))


def install() -> None:
    LambdaBackend.put_function_event_invoke_config = _put_function_event_invoke_config  # type: ignore[method-assign]
    LambdaBackend.update_function_event_invoke_config = _update_function_event_invoke_config  # type: ignore[method-assign]
    LambdaResponse.update_function_event_invoke_config = _update_response  # type: ignore[method-assign,assignment]


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
