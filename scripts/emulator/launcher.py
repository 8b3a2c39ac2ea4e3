"""backup-kit's embedded emulator: a moto server extended so that it deploys the kit's template unchanged
and runs the function's deployed zip for real (see kit_emulator/*.py for each extension and why).

Bucket policies are stored but not evaluated: moto evaluates a policy Condition without request context,
so the template's "deny when aws:SecureTransport is false" would deny every request on this plain-HTTP
emulator (checked: GetObject and PutObject answer 403 on an unpatched moto). See kit_emulator/s3_policy.py.

Usage: launcher.py [--host 127.0.0.1] [--port 4599] [--state-dir .emulator]
Prints one line `backup-kit emulator ready on http://HOST:PORT` once it accepts requests; --port 0 picks a
free port. Stops cleanly on SIGINT/SIGTERM, taking its function processes with it.
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

# Import moto's models first: our CloudFormation models must be defined after theirs to take precedence.
import moto.awslambda.models  # noqa: F401
import moto.cloudformation.models  # noqa: F401
import moto.iam.models  # noqa: F401
import moto.logs.models  # noqa: F401
import moto.s3.models  # noqa: F401
import moto.sns.models  # noqa: F401
import moto.sqs.models  # noqa: F401
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The Node.js execution environments, shared with the LocalStack executor.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda-runtime"))

from kit_emulator import (cloudformation, cloudformation_parameters, cloudformation_updates, faults,  # noqa: E402
                          lambda_invoke, lambda_runtime, s3_conditions, s3_events, s3_policy)
from kit_emulator.async_invoke import invoker  # noqa: E402

KIT_PREFIX = "/_backup-kit/"


def kit_routes(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """The emulator's own endpoints: health, and the asynchronous queue's depth (for waiting in tests)."""
    code = code_fingerprint()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(KIT_PREFIX):
            return app(environ, start_response)
        if path == KIT_PREFIX + "health":
            body = {"status": "ready", "emulator": "backup-kit", "moto": moto_version(), "pid": os.getpid(),
                    "code": code, "pendingAsyncEvents": invoker.pending}
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "unknown backup-kit endpoint"}']

    return wrapped


CODE_ROOTS = (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "lambda-runtime")


def code_fingerprint() -> str:
    """A digest of the emulator's own code, so that scripts can tell an emulator that runs other code than theirs
    (scripts/lib/emulator.ts computes the same digest)."""
    project = Path(__file__).resolve().parents[2]
    files = sorted(path for root in CODE_ROOTS for path in root.rglob("*")
                   if path.suffix in (".py", ".mjs") and "__pycache__" not in path.parts)
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.relative_to(project).as_posix()}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


def watch_parent(parent_pid: int, server: Any) -> None:
    """Stops the server when its parent is gone, even if the parent was killed without a word."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    server.shutdown()


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
    cloudformation_updates.install()
    s3_conditions.install()
    s3_events.install()
    s3_policy.install()
    lambda_invoke.install()

    app = faults.wrap(kit_routes(DomainDispatcherApplication(create_backend_app)))
    # werkzeug itself explains a port that is taken, and exits with 1.
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    endpoint = f"http://{args.host}:{server.server_port}"
    args.state_dir.mkdir(parents=True, exist_ok=True)
    lambda_runtime.configure(endpoint, args.state_dir.resolve())

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if args.exit_with_parent:
        threading.Thread(target=watch_parent, args=(os.getppid(), server), daemon=True).start()
    print(f"backup-kit emulator ready on {endpoint}", flush=True)
    # Whoever waited for the ready line may stop reading stdout now; everything else goes to the log.
    sys.stdout = sys.stderr
    try:
        server.serve_forever()
    finally:
        lambda_runtime.pool.shutdown()
        print("backup-kit emulator stopped", flush=True)


if __name__ == "__main__":
    main()
