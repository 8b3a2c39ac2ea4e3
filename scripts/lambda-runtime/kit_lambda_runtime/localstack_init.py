"""The init of one LocalStack execution environment, in place of LocalStack's Go init in a Lambda container.

Started by the kit's executor plugin (scripts/localstack) as `python -m kit_lambda_runtime.localstack_init`
with the environment LocalStack gives an execution environment, plus KIT_NODE_BINARY, KIT_TASK_ROOT and
LOCALSTACK_INTEROP_PORT. It speaks LocalStack's executor protocol (services/lambda_/invocation/
executor_endpoint.py): POST /invoke on the interop port is answered at once, the invocation runs, then its
logs go to <LOCALSTACK_RUNTIME_ENDPOINT>/invocations/<id>/logs and its result to .../response or .../error.
Once the function's init has ended it reports /status/<id>/ready. An init failure is not reported as a
status error, which would lose its logs: as on AWS, the first invocation fails with it, logs included.

It exits when its stdin closes (LocalStack stopped the environment, or died) or on SIGTERM, taking the
function's Node process with it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import lifeline
from .environment import EnvironmentStopped, ExecutionEnvironment, FunctionSpec, crash_line, crash_payload

_INIT_ONLY = ("LOCALSTACK_", "KIT_", "PYTHONPATH")
#: How long LocalStack waits for an invocation's result after sending it (invocation/executor_endpoint.py: Lambda's
#: 900 s maximum timeout plus 5 s): a result posted later has no one waiting for it.
RESULT_WAIT_S = 905.0
#: Pauses between attempts at a post that met no LocalStack (connection refused or reset); the last one repeats.
RETRY_DELAYS_S = (0.1, 0.2, 0.5, 1.0, 2.0)


def _post(url: str, body: bytes, timeout_s: float = 30) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        response.read()


def _post_until(url: str, body: bytes, deadline: float) -> None:
    """Posts until LocalStack answers, whatever it answers, or until `deadline` (time.monotonic()).

    One attempt waits as long as the deadline allows, as LocalStack's Go init (no timeout) does: a LocalStack that
    is paused (SIGSTOP, a debugger, a suspended machine) still takes the connection into its listen queue and
    answers once it runs again, also a request whose client has given up. A post that gave up after 30 s lost the
    result: LocalStack then held the invocation, and one of its few asynchronous event workers, for 905 s.
    A connection refused or reset (no LocalStack listening for a moment) is tried again until the deadline."""
    attempt = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no answer from LocalStack before the invocation's deadline: {url}")
        try:
            _post(url, body, timeout_s=remaining)
            return
        except urllib.error.HTTPError as error:
            # LocalStack answered: its error status is its answer (an environment it stopped), not a lost post.
            print(f"[kit-init] {url}: LocalStack answered {error.code}", file=sys.stderr, flush=True)
            return
        except OSError as error:  # refused, reset, timed out (URLError and socket timeouts are OSErrors)
            delay = RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)]
            attempt += 1
            if time.monotonic() + delay >= deadline:
                raise
            print(f"[kit-init] {url}: {error}; trying again in {delay} s", file=sys.stderr, flush=True)
            time.sleep(delay)


def spec_from_environment(env: dict[str, str]) -> FunctionSpec:
    """The function's spec from the init's environment; LOCALSTACK_*, KIT_* and PYTHONPATH stay with the init (the Go init unsets LOCALSTACK_* too)."""
    variables = {k: v for k, v in env.items() if not k.startswith(_INIT_ONLY)}
    return FunctionSpec(
        node_binary=env["KIT_NODE_BINARY"],
        task_root=Path(env["KIT_TASK_ROOT"]),
        handler=env["_HANDLER"],
        variables=variables,
        timeout_s=float(env["AWS_LAMBDA_FUNCTION_TIMEOUT"]),
        memory_mb=int(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
        version=env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    )


class LocalStackInit:
    def __init__(self, env: dict[str, str]) -> None:
        self.endpoint = env["LOCALSTACK_RUNTIME_ENDPOINT"].rstrip("/")
        self.runtime_id = env["LOCALSTACK_RUNTIME_ID"]
        self.environment = ExecutionEnvironment(spec_from_environment(env))
        self.server = ThreadingHTTPServer(("127.0.0.1", int(env["LOCALSTACK_INTEROP_PORT"])), self._handler_class())
        self.server.daemon_threads = True

    def run(self) -> None:
        self.environment.start()
        threading.Thread(target=self.server.serve_forever, args=(0.1,), name="interop", daemon=True).start()
        _post(f"{self.endpoint}/status/{self.runtime_id}/ready", b"{}")

    def invoke(self, request: dict[str, Any]) -> None:
        request_id = str(request["invoke-id"])
        deadline = time.monotonic() + RESULT_WAIT_S
        try:
            result = self.environment.invoke(
                request_id, str(request.get("payload", "")).encode(), str(request.get("invoked-function-arn", "")), str(request.get("trace-id", "")))
            logs, outcome, body = result.logs, "error" if result.errored else "response", result.payload
        except EnvironmentStopped:
            return  # LocalStack stopped this environment: it waits for no answer from it
        except OSError as error:
            # Its code or Node binary is gone, or the machine is out of processes or files: answered as the crash
            # it is, or LocalStack would wait out the function's timeout.
            message = f"the runtime could not start: {error}"
            print(f"[kit-init] {request_id}: {message}", file=sys.stderr, flush=True)
            logs, outcome = f"{crash_line(request_id, message)}\n", "error"
            body = crash_payload(request_id, message)
        try:
            _post_until(f"{self.endpoint}/invocations/{request_id}/logs", json.dumps({"logs": logs}).encode(), deadline)
        except OSError as error:  # its logs lost, the result is still LocalStack's to have
            print(f"[kit-init] {request_id}: its logs were not delivered: {error}", file=sys.stderr, flush=True)
        try:
            _post_until(f"{self.endpoint}/invocations/{request_id}/{outcome}", body, deadline)
        except OSError as error:
            print(f"[kit-init] {request_id}: its result was not delivered: {error}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        self.environment.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        init = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/invoke":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")
                threading.Thread(target=init.invoke, args=(json.loads(body),), name="invocation", daemon=True).start()

            def log_message(self, format: str, *args: object) -> None:
                """LocalStack logs its invocations itself."""

        return Handler


def main() -> None:
    # Its stdin watcher ends the function's runtime when LocalStack goes, but not when this init is killed itself
    # (LocalStack kills an init that does not stop in time): the lifeline's watcher ends it then.
    lifeline.start()
    init = LocalStackInit(dict(os.environ))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())

    def await_stdin_end() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        stopped.set()

    threading.Thread(target=await_stdin_end, name="lifeline", daemon=True).start()
    try:
        init.run()
        while not stopped.wait(0.5):
            pass
    finally:
        init.stop()


if __name__ == "__main__":
    main()
