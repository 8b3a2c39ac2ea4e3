"""backup-kit's embedded emulator: a moto server extended so that it deploys the kit's template unchanged
and runs the function's deployed zip for real (see kit_emulator/*.py for each extension and why).

The server keeps HTTP/1.1 connections alive (kit_emulator/http_server.py: moto's werkzeug server closes
every connection), remembers moto's backend look-up per host (kit_emulator/dispatch.py) and records recent
requests for `make bench` (kit_emulator/request_log.py). Multipart copies and completions stream through
files instead of memory (kit_emulator/s3_multipart.py).

Bucket policies are stored but not evaluated: moto evaluates a policy Condition without request context,
so the template's "deny when aws:SecureTransport is false" would deny every request on this plain-HTTP
emulator (checked: GetObject and PutObject answer 403 on an unpatched moto). See kit_emulator/s3_policy.py.

Usage: launcher.py [--host 127.0.0.1] [--port 4599] [--state-dir .emulator]
Prints one line `backup-kit emulator ready on http://HOST:PORT` once it accepts requests; --port 0 picks a
free port; a port that is taken is named, with exit code 1. Stops cleanly on SIGINT/SIGTERM, taking its
function processes with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import time
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

# Import moto's models first: our CloudFormation models must be defined after theirs to take precedence.
import moto.awslambda.models  # noqa: F401
import moto.cloudformation.models  # noqa: F401
import moto.iam.models  # noqa: F401
import moto.logs.models  # noqa: F401
import moto.s3.models  # noqa: F401
import moto.sns.models  # noqa: F401
import moto.sqs.models  # noqa: F401
from moto.moto_server.werkzeug_app import create_backend_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The Node.js execution environments, shared with the LocalStack executor.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda-runtime"))

from kit_emulator import (async_invoke, cloudformation, cloudformation_capabilities, cloudformation_change_set_scope, cloudformation_change_set_type, cloudformation_parameter_display, cloudformation_parameters, cloudformation_resources, cloudformation_serial, cloudformation_template_format, cloudformation_template_url, cloudformation_updates, cloudformation_validate, cloudformation_yaml, faults,  # noqa: E402
                          function_role_policy, lambda_configuration, lambda_invoke, lambda_runtime, logs_filter_patterns, request_log, s3_conditions, s3_events, s3_blocked_encryption, s3_head_checksum, s3_header_size, s3_invoke_permission, s3_key_locks,
                          s3_key_length, s3_listing_encoding, s3_listing_prefix, s3_metadata_limit, s3_multipart, s3_notification_filters, s3_object_tagging, s3_policy,
                          s3_sse_c, s3_version_store, sns_subject)
from kit_emulator.dispatch import RememberingDispatcher  # noqa: E402
from kit_emulator.http_server import finish_answering, keep_alive_server  # noqa: E402
from kit_emulator.async_invoke import invoker  # noqa: E402

KIT_PREFIX = "/_backup-kit/"
# The longest a request-log watcher is held: below the SDK's and fetch's idle timeouts.
MAX_WAIT_MS = 30_000


def kit_routes(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """The emulator's own endpoints: health with the asynchronous queue's depth (for waiting in tests), the
    number of S3 key locks in use (0 when idle) and the digest of its code, the recent requests (for
    measuring what a function does), and the faults injected into functions' requests (faults.py)."""
    code = code_fingerprint()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(KIT_PREFIX):
            return app(environ, start_response)
        if path == KIT_PREFIX + "health":
            body = {"status": "ready", "emulator": "backup-kit", "moto": moto_version(), "pid": os.getpid(),
                    "code": code, "pendingAsyncEvents": invoker.pending, "keyLocks": s3_key_locks.locks_in_use()}
            return json_response(start_response, body)
        if path == KIT_PREFIX + "requests":
            query = {name: values[0] for name, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
            try:
                since, wait_s = float(query.get("since", "0")), min(float(query.get("waitMs", "0")), MAX_WAIT_MS) / 1000
                at_least = int(query.get("atLeast", "1"))
            except ValueError:
                return json_response(start_response, {"error": "since, waitMs and atLeast must be numbers (epoch ms, ms, a count)"},
                                     "400 Bad Request")
            return json_response(start_response, request_log.records_since(
                since, query.get("operation"), query.get("path"), query.get("pathPrefix"), query.get("succeeded") == "true",
                at_least, wait_s))
        if path == faults.PATH:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                return json_response(start_response, faults.injector.configure(environ.get("REQUEST_METHOD", "GET"),
                                                                              environ["wsgi.input"].read(length)))
            except faults.InvalidFaults as error:
                return json_response(start_response, {"error": f"{error}: see scripts/emulator/kit_emulator/faults.py "
                                                               "for the settings"}, "400 Bad Request")
        return json_response(start_response, {"error": "unknown backup-kit endpoint"}, "404 Not Found")

    return wrapped


CODE_ROOTS = (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "lambda-runtime")


def code_fingerprint() -> str:
    """A digest of the emulator's own code, so that scripts can tell an emulator that runs other code than theirs
    (scripts/lib/emulator.ts computes the same digest)."""
    project = Path(__file__).resolve().parents[2]
    files = {path.relative_to(project).as_posix(): path for root in CODE_ROOTS for path in root.rglob("*")
             if path.suffix in (".py", ".mjs") and "__pycache__" not in path.parts}
    digest = hashlib.sha256()
    # Ordered by the relative path as a string, as the TypeScript side sorts (not Path's part-by-part order).
    for name in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(files[name].read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def json_response(start_response: Callable[..., Any], body: Any, status: str = "200 OK") -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


def stop_serving(server: Any) -> None:
    """Stops the server; held watchers of the request log answer first, and requests held by fault injection go on,
    or the server would wait for them."""
    request_log.stop_waiting()
    faults.injector.stop_holding()
    server.stop()


def watch_parent(parent_pid: int, server: Any) -> None:
    """Stops the server when its parent is gone, even if the parent was killed without a word."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    stop_serving(server)


def main() -> None:
    parser = argparse.ArgumentParser(description="backup-kit embedded emulator (moto, extended)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4599)
    parser.add_argument("--state-dir", default=".emulator", type=Path)
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started it ends (tests and scripts: no orphans)")
    args = parser.parse_args()

    cloudformation.install()
    cloudformation_parameters.install()
    cloudformation_parameter_display.install()
    cloudformation_resources.install()
    cloudformation_updates.install()
    cloudformation_capabilities.install()
    cloudformation_change_set_type.install()
    cloudformation_change_set_scope.install()
    cloudformation_template_format.install()
    cloudformation_template_url.install()
    cloudformation_validate.install()
    cloudformation_serial.install()
    cloudformation_yaml.install()
    s3_conditions.install()
    s3_key_locks.install()
    # Wraps the HEAD that s3_key_locks made: it reads the key again once the lock is released.
    s3_head_checksum.install()
    s3_events.install()
    s3_invoke_permission.install()
    s3_notification_filters.install()
    s3_policy.install()
    s3_multipart.install()
    s3_listing_encoding.install()
    s3_listing_prefix.install()
    s3_version_store.install()
    # Last of the S3 changes: they wrap what the others made of PutObject, CopyObject and the POSTs.
    s3_metadata_limit.install()
    s3_object_tagging.install()
    sns_subject.install()
    logs_filter_patterns.install()
    s3_key_length.install()
    s3_header_size.install()
    s3_sse_c.install()
    s3_blocked_encryption.install()
    lambda_configuration.install()
    function_role_policy.install()
    lambda_invoke.install()
    lambda_runtime.install()
    async_invoke.install()

    app = faults.wrap(kit_routes(request_log.recording(function_role_policy.enforcing(RememberingDispatcher(create_backend_app)))))
    server = keep_alive_server(args.host, args.port, app)
    try:
        server.prepare()
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port} ({error}): stop the process that holds the port (the "
              "background emulator that `make deploy` starts holds it until `make emulator-stop`), or choose another "
              "one (--port; BACKUP_KIT_EMULATOR_PORT for the scripts)", file=sys.stderr, flush=True)
        sys.exit(1)
    endpoint = f"http://{args.host}:{server.bind_addr[1]}"
    args.state_dir.mkdir(parents=True, exist_ok=True)
    lambda_runtime.configure(endpoint, args.state_dir.resolve())

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=stop_serving, args=(server,), daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if args.exit_with_parent:
        threading.Thread(target=watch_parent, args=(os.getppid(), server), daemon=True).start()
    print(f"backup-kit emulator ready on {endpoint}", flush=True)
    # Whoever waited for the ready line may stop reading stdout now; everything else goes to the log.
    sys.stdout = sys.stderr
    try:
        server.serve()
    finally:
        invoker.shutdown()
        lambda_runtime.pool.shutdown()
        # Requests in flight may finish (an invocation the stop just ended answers as a crash); one that waits
        # longer (an SQS long poll) is cut off with the process.
        finish_answering(grace_s=2.0)
        print("backup-kit emulator stopped", flush=True)
    # Nothing is left to save (moto's state lives in memory); Python's own teardown of moto's modules took about 2 s
    # more, with daemon workers still in flight: the process ends here instead.
    os._exit(0)


if __name__ == "__main__":
    main()
