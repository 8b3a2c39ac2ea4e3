"""Runs Lambda functions as warm Node.js child processes instead of moto's Docker containers.

Each execution environment is a `node runtime.mjs` process for one function configuration (code, handler,
environment, memory). It is reused between invocations, as Lambda reuses warm environments; a change of
configuration starts a new one on the next invocation; a crashed or timed-out one is replaced.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import select
import shutil
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RUNTIME_SCRIPT = Path(__file__).with_name("runtime.mjs")


@dataclass
class Settings:
    endpoint_url: str = ""
    state_dir: Path = Path(".emulator")
    node_binary: str = shutil.which("node") or "node"


settings = Settings()


def configure(endpoint_url: str, state_dir: Path) -> None:
    settings.endpoint_url = endpoint_url
    settings.state_dir = state_dir


@dataclass
class InvocationResult:
    request_id: str
    payload: str
    errored: bool
    log_lines: list[str]
    duration_ms: float
    function_error: str | None = None


@dataclass(eq=False)
class ExecutionEnvironment:
    """One warm Node.js process serving one function configuration, one invocation at a time."""

    key: str
    function_arn: str
    process: subprocess.Popen[bytes]
    response_fd: int
    log_stream: str
    buffer: bytes = b""

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait()
        try:
            os.close(self.response_fd)
        except OSError:
            pass

    def read_response(self, timeout_s: float) -> dict[str, Any] | str:
        """The next answer line, or "timeout", or "exited" when the process ended without answering."""
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            ready, _, _ = select.select([self.response_fd], [], [], remaining)
            if not ready:
                return "timeout"
            chunk = os.read(self.response_fd, 1 << 20)
            if not chunk:
                self.process.wait()
                return "exited"
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)


def _code_dir(fn: Any) -> Path:
    # moto already holds the zip's digest (the function's CodeSha256, base64); make it a file name.
    digest = base64.b64decode(fn.code_sha_256).hex()
    target = settings.state_dir / "functions" / f"{fn.function_name}-{digest[:16]}"
    if not target.exists():
        staging = target.with_name(target.name + f".{uuid.uuid4().hex}")
        with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as archive:
            archive.extractall(staging)
        try:
            staging.rename(target)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _configuration_key(fn: Any) -> str:
    parts = [fn.function_arn, fn.code_sha_256, fn.handler, str(fn.memory_size),
             json.dumps(fn.environment_vars, sort_keys=True)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _environment(fn: Any, log_stream: str) -> dict[str, str]:
    region = fn.region
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "test",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "LAMBDA_TASK_ROOT": "",
        # Lambda's runtime is Node 22; this machine's Node 20 would make the bundled SDK warn on every cold start.
        "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
        # What LocalStack does too: the function's SDK calls reach the emulator through the standard variable.
        "AWS_ENDPOINT_URL": settings.endpoint_url,
    }
    env.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
    return env


class EnvironmentPool:
    """Warm execution environments per function configuration."""

    def __init__(self) -> None:
        self._idle: dict[str, list[ExecutionEnvironment]] = {}
        self._lock = threading.Lock()
        self._all: set[ExecutionEnvironment] = set()

    def _start(self, fn: Any, key: str) -> ExecutionEnvironment:
        code_dir = _code_dir(fn)
        today = datetime.now(timezone.utc)
        log_stream = f"{today:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        env = _environment(fn, log_stream)
        env["LAMBDA_TASK_ROOT"] = str(code_dir)
        read_fd, write_fd = os.pipe()
        env["KIT_RESPONSE_FD"] = str(write_fd)
        process = subprocess.Popen(
            [settings.node_binary, f"--max-old-space-size={int(fn.memory_size)}", str(RUNTIME_SCRIPT), str(code_dir), fn.handler],
            stdin=subprocess.PIPE,
            stdout=sys.stderr,
            stderr=sys.stderr,
            pass_fds=(write_fd,),
            cwd=code_dir,
            env=env,
        )
        os.close(write_fd)
        environment = ExecutionEnvironment(key, fn.function_arn, process, read_fd, log_stream)
        with self._lock:
            self._all.add(environment)
        return environment

    def acquire(self, fn: Any) -> tuple[ExecutionEnvironment, bool]:
        key = _configuration_key(fn)
        stale: list[ExecutionEnvironment] = []
        with self._lock:
            for other_key in list(self._idle):
                envs = self._idle[other_key]
                if other_key != key and envs and envs[0].function_arn == fn.function_arn:
                    stale.extend(self._idle.pop(other_key))
            idle = self._idle.get(key, [])
            while idle:
                environment = idle.pop()
                if environment.alive():
                    break
                stale.append(environment)
            else:
                environment = None
        for old in stale:
            self.discard(old)
        if environment is not None:
            return environment, False
        return self._start(fn, key), True

    def release(self, environment: ExecutionEnvironment) -> None:
        if not environment.alive():
            self.discard(environment)
            return
        with self._lock:
            self._idle.setdefault(environment.key, []).append(environment)

    def discard(self, environment: ExecutionEnvironment) -> None:
        environment.stop()
        with self._lock:
            self._all.discard(environment)

    def shutdown(self) -> None:
        with self._lock:
            environments = list(self._all)
            self._all.clear()
            self._idle.clear()
        for environment in environments:
            environment.stop()


pool = EnvironmentPool()


def _write_logs(fn: Any, stream: str, lines: list[tuple[int, str]]) -> None:
    backend = fn.logs_backend
    group = fn.logs_group_name
    if group not in backend.groups:
        backend.create_log_group(group, {})
    log_group = backend.groups[group]
    if stream not in log_group.streams:
        backend.create_log_stream(group, stream)
    events = [{"timestamp": ts, "message": text} for ts, text in lines if text]
    if events:
        backend.put_log_events(group, stream, events)


def invoke(fn: Any, event: Any) -> InvocationResult:
    """Runs one invocation in a warm environment, enforcing the function's timeout."""
    request_id = str(uuid.uuid4())
    timeout_s = float(fn.timeout)
    memory_mb = int(fn.memory_size)
    environment, cold = pool.acquire(fn)
    request = {
        "requestId": request_id,
        "event": event,
        "timeoutMs": int(timeout_s * 1000),
        "functionName": fn.function_name,
        "functionVersion": "$LATEST",
        "invokedFunctionArn": fn.function_arn,
        "memoryMb": memory_mb,
        "logGroupName": fn.logs_group_name,
        "logStreamName": environment.log_stream,
    }
    started = time.monotonic()
    now_ms = lambda: int(time.time() * 1000)  # noqa: E731
    lines: list[tuple[int, str]] = [(now_ms(), f"START RequestId: {request_id} Version: $LATEST")]
    # The pool hands an environment to one invocation at a time, as Lambda does.
    try:
        assert environment.process.stdin is not None
        environment.process.stdin.write((json.dumps(request) + "\n").encode())
        environment.process.stdin.flush()
        answer = environment.read_response(timeout_s)
    except (BrokenPipeError, OSError):
        environment.process.wait()
        answer = "exited"
    duration_ms = (time.monotonic() - started) * 1000

    function_error: str | None = None
    response = answer if isinstance(answer, dict) else None
    if response is None:
        pool.discard(environment)
        if answer == "timeout":
            message = f"Task timed out after {timeout_s:.2f} seconds"
            lines.append((now_ms(), f"{datetime.now(timezone.utc).isoformat()} {request_id} {message}"))
            payload = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": f"{request_id} {message}"})
        else:
            code = environment.process.returncode
            message = f"Runtime exited with error: exit status {code}"
            lines.append((now_ms(), f"RequestId: {request_id} Error: {message}"))
            payload = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message})
        function_error = "Unhandled"
    else:
        for ts, chunk in response.get("logs", []):
            for text in str(chunk).splitlines():
                lines.append((int(ts), text))
        if response.get("ok"):
            payload = response["payload"]
        else:
            payload = json.dumps(response["error"])
            function_error = "Unhandled"
        if response.get("initFailed"):
            pool.discard(environment)
        else:
            pool.release(environment)

    init = ""
    if response is not None and response.get("initDurationMs") is not None:
        init = f"\tInit Duration: {response['initDurationMs']:.2f} ms"
    used = response.get("maxMemoryMb", 0) if response else 0
    lines.append((now_ms(), f"END RequestId: {request_id}"))
    lines.append((now_ms(), f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {int(duration_ms) + 1} ms"
                            f"\tMemory Size: {memory_mb} MB\tMax Memory Used: {used} MB{init}"))
    _write_logs(fn, environment.log_stream, lines)
    print(f"[lambda] {fn.function_name} {request_id} {'cold' if cold else 'warm'} "
          f"{'error' if function_error else 'ok'} {duration_ms:.0f} ms", file=sys.stderr, flush=True)
    return InvocationResult(request_id, payload, function_error is not None, [t for _, t in lines], duration_ms, function_error)
