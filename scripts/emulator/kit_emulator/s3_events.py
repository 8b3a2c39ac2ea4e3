"""S3 event notifications as AWS sends them.

moto's events lack `versionId` and `sequencer`, encode `/` in the key as `%2F` (S3 keeps it: a key filter
`images/` matches on AWS, s3_notification_filters.py), invoke the function synchronously inside the PutObject
request (swallowing its errors), and a completed multipart upload fires a Put event besides its
CompleteMultipartUpload event. Here every record carries the version id (on versioned buckets), a sequencer
that grows with every write and the key as S3 encodes it, functions are invoked asynchronously after the
request returns, and a multipart upload fires exactly one event. moto sends a PutObject's event before the
object has its metadata and tags: every event is delivered once the write that raised it is complete
(s3_key_locks.py). The faults set on request (faults.py) drop events, deliver them twice, or make their deliveries to
functions late, as S3 delivers at least once and unordered.
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
import time
from typing import Any

from moto.s3 import notifications
from moto.s3.notifications import S3NotificationEvent

from .async_invoke import invoker
from .faults import injector as faults
from .s3_invoke_permission import destination
from .s3_key_locks import deliver_after_write
from .s3_notification_filters import event_key

_original_get_s3_event = notifications._get_s3_event
_sequence_lock = threading.Lock()
# Nanoseconds since the epoch, so sequencers keep growing across emulator restarts too.
_sequence = itertools.count(time.time_ns())


def _next_sequencer() -> str:
    with _sequence_lock:
        return f"{next(_sequence):016X}"


def _event_body(event_name: str, bucket: Any, key: Any, notification_id: str, sequencer: str) -> dict[str, Any]:
    body = _original_get_s3_event(event_name, bucket, key, notification_id)
    obj = body["Records"][0]["s3"]["object"]
    obj["key"] = event_key(key.name)
    if bucket.is_versioned:
        obj["versionId"] = key.version_id
    obj["sequencer"] = sequencer
    return body


def send_event(account_id: str, event_name: S3NotificationEvent, bucket: Any, key: Any) -> None:
    # CompleteMultipartUpload stores the object through put_object (a Put event) and then sends its own.
    if event_name == S3NotificationEvent.OBJECT_CREATED_PUT_EVENT and getattr(key, "multipart", None) is not None:
        return
    config = bucket.notification_configuration
    if config is None or key is None:
        return
    # The sequencer and the bodies are taken now, in the order of the key's writes; the deliveries wait.
    sequencer = _next_sequencer()
    to_functions = [
        (notification.arn, _event_body(event_name, bucket, key, notification.id, sequencer))
        for notification in config.cloud_function
        if notification.matches(event_name, key.name)
    ]
    deliveries = [
        functools.partial(notifications._send_sqs_message, account_id, _event_body(event_name, bucket, key, notification.id, sequencer),
                          notification.arn.split(":")[-1], notification.arn.split(":")[3])
        for notification in config.queue
        if notification.matches(event_name, key.name)
    ]
    deliveries += [
        functools.partial(notifications._send_sns_message, account_id, _event_body(event_name, bucket, key, notification.id, sequencer),
                          notification.arn, notification.arn.split(":")[3])
        for notification in config.topic
        if notification.matches(event_name, key.name)
    ]
    if config.event_bridge is not None:
        deliveries.append(functools.partial(notifications._send_event_bridge_message, account_id, bucket, event_name, key))
    if not to_functions and not deliveries:
        return
    # Drawn only for an event that has somewhere to go: a dropped event is one a consumer would have received.
    if faults.drops_event():
        print(f"[s3-events] dropped the event of {bucket.name}/{key.name} (fault injection)", file=sys.stderr, flush=True)
        return
    for delivery in range(2 if faults.duplicates_event() else 1):
        if delivery > 0:
            print(f"[s3-events] the event of {bucket.name}/{key.name} goes out twice (fault injection)", file=sys.stderr, flush=True)
        for function_arn, body in to_functions:
            # Each delivery is an event of its own to Lambda, which gives it a request id of its own.
            deliver_after_write(functools.partial(_invoke_function, account_id, bucket.name, function_arn, body, faults.delivery_delay_s()))
        for deliver in deliveries:
            deliver_after_write(deliver)


def _invoke_function(account_id: str, bucket_name: str, function_arn: str, body: dict[str, Any], delay_s: float = 0.0) -> None:
    # S3 does not fail the write when its destination is gone, and Lambda refuses a delivery the function's policy no
    # longer allows (a permission removed since the notification was set): either way, the log says so.
    fn, refusal = destination(account_id, bucket_name, function_arn)
    if refusal is not None:
        print(f"[s3-events] cannot deliver to {function_arn}: {refusal}", file=sys.stderr, flush=True)
        return
    # S3 invokes asynchronously: the write has returned before the function runs.
    invoker.submit(fn, body, delay_s)


def install() -> None:
    notifications.send_event = send_event
