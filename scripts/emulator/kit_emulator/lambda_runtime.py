"""Runs Lambda functions in the kit's Node.js execution environments instead of moto's Docker containers.

One environment (kit_lambda_runtime, shared with the LocalStack executor) per function configuration (code,
handler, environment, memory): reused between invocations as Lambda reuses warm environments, replaced on the
next invocation after a configuration change; a crashed or timed-out runtime is replaced inside it. Deleting
a function (DeleteFunction, or its stack's deletion) stops its environments and their Node processes at once:
an invocation running in one ends as a crash (Runtime.ExitError), and one about to start is answered as for a
function that does not exist.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import io
import json
import os
import secrets
import shutil
import sys
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kit_lambda_runtime import lifeline
from kit_lambda_runtime.environment import EnvironmentStopped, ExecutionEnvironment, FunctionSpec, InvocationResult, error_payload
from kit_lambda_runtime.module_scope import end_package_scope
from kit_lambda_runtime.node_binary import UnsupportedRuntime, node_binary_for
from moto.awslambda.exceptions import InvalidParameterValueException, UnknownFunctionException
from moto.awslambda.models import LambdaBackend
from moto.core.exceptions import JsonRESTError
from moto.logs.exceptions import ResourceAlreadyExistsException

from .function_role_policy import credentials_for


@dataclass
class Settings:
    endpoint_url: str = ""
    #: Where this emulator process unpacks function code: its own folder under the state directory's functions/.
    functions_dir: Path = Path(".emulator/functions")
    #: The lock on functions_dir, held (never closed) for as long as this process runs.
    functions_lock: int = -1


settings = Settings()


def configure(endpoint_url: str, state_dir: Path) -> None:
    settings.endpoint_url = endpoint_url
    _take_functions_dir(state_dir / "functions")
    # The emulator's start, not an import: the function runtimes started from now on end with this process.
    lifeline.start()


def _take_functions_dir(functions: Path) -> None:
    """Code an earlier run unpacked may have changed since (by hand, or by a function writing into its own code), and
    would run under the digest of the zip it came from: each emulator process unpacks the zips it is given into a
    folder of its own, locked for as long as it runs, and removes the folders no process holds (another emulator may
    share the state directory, in this process namespace or another: the lock, not a pid, says it runs)."""
    end_package_scope(functions)
    # One start at a time makes its folder, locks it and sweeps: no start sees another's folder before it is locked.
    starting = os.open(functions / ".starting", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(starting, fcntl.LOCK_EX)
        settings.functions_dir = functions / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        settings.functions_dir.mkdir()
        settings.functions_lock = os.open(settings.functions_dir / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(settings.functions_lock, fcntl.LOCK_EX)
        for unpacked in functions.iterdir():
            if unpacked.is_dir() and unpacked != settings.functions_dir and not _held(unpacked):
                shutil.rmtree(unpacked, ignore_errors=True)
    finally:
        os.close(starting)


def _held(unpacked: Path) -> bool:
    """Whether a running emulator may hold this folder: its lock is held, or cannot be tried (then it is kept). A folder
    without a lock (the older layout) is no one's."""
    try:
        # Opened for writing: an exclusive lock needs it where flock is emulated (NFS).
        lock = os.open(unpacked / ".lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(lock)
    return False


@dataclass(eq=False)
class WarmEnvironment:
    key: str
    #: moto's function object: a function created again under the same name is another object.
    function: Any
    log_stream: str
    environment: ExecutionEnvironment
    #: When it last became idle (time.monotonic()).
    idle_since: float = 0.0

    @property
    def function_arn(self) -> str:
        return str(self.function.function_arn)


def is_deployed(fn: Any) -> bool:
    """False once the function was deleted (or replaced by a new one of the same name)."""
    from moto.awslambda.utils import get_backend

    return get_backend(fn.account_id, fn.region)._lambdas.get_arn(fn.function_arn) is fn


_UNIX = 3  # a zip entry's "version made by" system for Unix, whose external attributes carry the file's mode


def _unpack(code: bytes, directory: Path) -> None:
    """Extracts a function's zip with its files' Unix modes, as Lambda does (zipfile drops them): a tool the zip
    marks executable runs."""
    with zipfile.ZipFile(io.BytesIO(code)) as archive:
        for entry in archive.infolist():
            # extract() names the path it wrote, after it took out "..", drive letters and leading slashes.
            written = archive.extract(entry, directory)
            mode = (entry.external_attr >> 16) & 0o7777
            if entry.create_system == _UNIX and mode and not entry.is_dir():
                os.chmod(written, mode)


class CodeNotUnpacked(Exception):
    """A function's code could not be unpacked: a full disk, or a zip whose entries do not check out."""


def _code_dir(fn: Any) -> Path:
    # moto already holds the zip's digest (the function's CodeSha256, base64); make it a file name.
    digest = base64.b64decode(fn.code_sha_256).hex()
    target = settings.functions_dir / f"{fn.function_name}-{digest[:16]}"
    if not target.exists():
        staging = target.with_name(target.name + f".{uuid.uuid4().hex}")
        try:
            _unpack(fn.code_bytes, staging)
        except Exception as error:  # zipfile's own errors, zlib's and the disk's: none may leave half a folder
            shutil.rmtree(staging, ignore_errors=True)
            raise CodeNotUnpacked(f"could not unpack its code: {error!r}") from error
        try:
            staging.rename(target)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _configuration_key(fn: Any) -> str:
    parts = [fn.function_arn, fn.role, fn.code_sha_256, fn.handler, fn.run_time, str(fn.memory_size), str(fn.timeout),
             json.dumps(fn.environment_vars, sort_keys=True)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _variables(fn: Any, log_stream: str) -> dict[str, str]:
    region = fn.region
    variables = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # The role's session: the emulator checks the function's requests against the role (function_role_policy.py).
        **credentials_for(fn.role, fn.function_name),
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        # What LocalStack does too: the function's SDK calls reach the emulator through the standard variable.
        "AWS_ENDPOINT_URL": settings.endpoint_url,
    }
    variables.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
    return variables


# How long an invocation waits for a busy environment of its configuration to come free before it starts a new
# one: as long as the configuration's last cold start took (its init), within these bounds. A function's tail
# (its receipt after the copy) keeps the environment busy a few milliseconds after the backup is visible, and
# now and then, on a small machine, for tens of them; an event right behind it would otherwise pay a cold start
# that costs more than the wait, on the same cores as the functions already running.
BUSY_GRACE_S = 0.025
MAX_BUSY_WAIT_S = 0.5
# How long an idle environment may wait for work when its configuration has a more recently used one idle too
# (KIT_EMULATOR_IDLE_ENVIRONMENT_S): a burst leaves as many Node processes as it ran at once, tens of MB each,
# which Lambda would reclaim. The last one used stays warm.
IDLE_EXTRA_S = float(os.environ.get("KIT_EMULATOR_IDLE_ENVIRONMENT_S", "60"))


class RuntimeStartFailed(JsonRESTError):
    """Lambda's ServiceException: the emulator could not start a function's runtime (a 500, which SDKs retry)."""

    code = 500

    def __init__(self, message: str) -> None:
        super().__init__("ServiceException", message)


class EmulatorStopping(RuntimeError):
    """The emulator is stopping: no new execution environment is started."""


class EnvironmentPool:
    """Warm execution environments per function configuration, each serving one invocation at a time."""

    def __init__(self) -> None:
        self._idle: dict[str, list[WarmEnvironment]] = {}
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._all: set[WarmEnvironment] = set()
        self._stopped = False
        #: Per configuration, how long a new environment took to become ready, in seconds.
        self._start_cost_s: dict[str, float] = {}
        #: Per configuration, invocations waiting for one of its busy environments.
        self._waiting: dict[str, int] = {}

    def start_reaping(self) -> None:
        """Starts the thread that stops spare environments once they idle (the emulator's start, not an import)."""
        threading.Thread(target=self._reap_idle, name="lambda-reaper", daemon=True).start()

    def _start(self, fn: Any, key: str) -> WarmEnvironment:
        log_stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        spec = FunctionSpec(
            node_binary=node_binary_for(fn.run_time),
            task_root=_code_dir(fn),
            handler=fn.handler,
            variables=_variables(fn, log_stream),
            timeout_s=float(fn.timeout),
            memory_mb=int(fn.memory_size),
        )
        warm = WarmEnvironment(key, fn, log_stream, ExecutionEnvironment(spec, freeze_when_idle=True))
        with self._lock:
            if self._stopped:
                raise EmulatorStopping(f"{fn.function_name} cannot start: the emulator is stopping")
            # Checked where discard_undeployed looks: a deletion either is seen here or finds this environment there.
            if not is_deployed(fn):
                raise UnknownFunctionException(fn.function_arn)
            self._all.add(warm)
        return warm

    def acquire(self, fn: Any) -> WarmEnvironment:
        key = _configuration_key(fn)
        stale: list[WarmEnvironment] = []
        with self._lock:
            for other_key in list(self._idle):
                envs = self._idle[other_key]
                if other_key != key and envs and envs[0].function_arn == fn.function_arn:
                    stale.extend(self._idle.pop(other_key))
            busy = sum(1 for warm in self._all if warm.key == key) - len(self._idle.get(key, []))
            # Each busy environment is waited for by one invocation at most; the others start their own at once.
            if busy > 0 and not self._idle.get(key) and self._waiting.get(key, 0) < busy:
                wait_s = min(max(self._start_cost_s.get(key, 0), BUSY_GRACE_S), MAX_BUSY_WAIT_S)
                self._waiting[key] = self._waiting.get(key, 0) + 1
                try:
                    self._released.wait_for(lambda: bool(self._idle.get(key)), timeout=wait_s)
                finally:
                    self._waiting[key] -= 1
            idle = self._idle.get(key, [])
            warm = idle.pop() if idle else None
        for old in stale:
            self.discard(old)
        return warm or self._start(fn, key)

    def pids(self) -> set[int]:
        """The process ids of the functions' Node processes running now."""
        with self._lock:
            environments = list(self._all)
        return {pid for warm in environments if (pid := warm.environment.pid) is not None}

    def release(self, warm: WarmEnvironment) -> None:
        init_ms = warm.environment.init_duration_ms
        with self._lock:
            if init_ms is not None:
                self._start_cost_s[warm.key] = init_ms / 1000
            if warm in self._all:
                warm.idle_since = time.monotonic()
                self._idle.setdefault(warm.key, []).append(warm)
                self._released.notify_all()

    def _reap_idle(self) -> None:
        """Stops, now and then, the idle environments that a more recently used one of their configuration makes spare."""
        while True:
            time.sleep(min(max(IDLE_EXTRA_S / 2, 0.1), 5.0))
            now = time.monotonic()
            with self._lock:
                if self._stopped:
                    return
                # Acquire takes the last released first: each list runs from the longest idle to the last used.
                spare = [warm for envs in self._idle.values() for warm in envs[:-1] if now - warm.idle_since > IDLE_EXTRA_S]
                self._retire(spare)
            for warm in spare:
                warm.environment.stop()

    def discard(self, warm: WarmEnvironment) -> None:
        warm.environment.stop()
        with self._lock:
            self._all.discard(warm)

    def discard_undeployed(self) -> None:
        """Stops every environment of a function that is no longer deployed (an invocation still running in one
        ends as a crash)."""
        with self._lock:
            gone = [warm for warm in self._all if not is_deployed(warm.function)]
            self._retire(gone)
        for warm in gone:
            warm.environment.stop()

    def _retire(self, leaving: list[WarmEnvironment]) -> None:
        """Takes environments out of the pool (with its lock held); the caller stops them outside it."""
        self._all.difference_update(leaving)
        for key, envs in list(self._idle.items()):
            envs[:] = [warm for warm in envs if warm in self._all]
            if not envs:
                del self._idle[key]

    def shutdown(self) -> None:
        with self._lock:
            self._stopped = True
            environments = list(self._all)
            self._all.clear()
            self._idle.clear()
        for warm in environments:
            warm.environment.stop()


pool = EnvironmentPool()


def _write_logs(fn: Any, stream: str, result: InvocationResult) -> None:
    backend = fn.logs_backend
    group = fn.logs_group_name
    # Two invocations ending at once may both find the group or stream missing: the second creation is no error.
    if group not in backend.groups:
        with contextlib.suppress(ResourceAlreadyExistsException):
            backend.create_log_group(group, {})
    log_group = backend.groups[group]
    if stream not in log_group.streams:
        with contextlib.suppress(ResourceAlreadyExistsException):
            backend.create_log_stream(group, stream)
    events = [{"timestamp": ts, "message": text} for ts, text in result.log_lines if text]
    if events:
        backend.put_log_events(group, stream, events)


def _trace_id() -> str:
    """An X-Ray trace header as Lambda gives every invocation (_X_AMZN_TRACE_ID), not sampled."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


#: Lambda's limit on a function's response, whatever the invocation type: a larger one is the function's error.
RESPONSE_LIMIT_BYTES = 6_291_556


def within_response_limit(result: InvocationResult) -> InvocationResult:
    """The result as Lambda reports a response over its limit (Function.ResponseSizeTooLarge, a function error) for an
    asynchronous invocation, which is then retried and parked; the Invoke API answers a synchronous one so itself."""
    if result.errored or len(result.payload) <= RESPONSE_LIMIT_BYTES:
        return result
    payload = error_payload("Function.ResponseSizeTooLarge", f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT_BYTES} bytes).")
    return InvocationResult(result.request_id, payload, "Unhandled", result.log_lines, result.duration_ms, result.cold)


def invoke(fn: Any, event: Any, request_id: str | None = None) -> InvocationResult:
    """Runs one invocation in a warm environment. Asynchronous retries pass the event's request id again."""
    request_id = request_id or str(uuid.uuid4())
    try:
        warm = pool.acquire(fn)
    except UnsupportedRuntime as error:
        raise InvalidParameterValueException(str(error)) from error
    except CodeNotUnpacked as error:
        # Lambda's own failure to start the runtime, which an asynchronous event counts as a failed attempt (it was
        # lost instead, as an error of the emulator's); each invocation tries to unpack it again.
        print(f"[lambda] {fn.function_name} {request_id}: {error}", file=sys.stderr, flush=True)
        raise RuntimeStartFailed(f"the emulator could not start the runtime of {fn.function_name}: {error}") from error
    try:
        result = warm.environment.invoke(request_id, json.dumps(event).encode(), fn.function_arn, _trace_id())
    except EnvironmentStopped as error:
        # Stopped before this invocation began in it: the function was deleted, or the emulator is stopping.
        if not is_deployed(fn):
            raise UnknownFunctionException(fn.function_arn) from error
        raise EmulatorStopping(f"{fn.function_name} cannot run: the emulator is stopping") from error
    except OSError as error:
        # Its code directory vanished, or the machine is out of processes or files: the next invocation starts a
        # new environment, which unpacks the code again.
        pool.discard(warm)
        print(f"[lambda] {fn.function_name} {request_id}: could not start its runtime: {error}", file=sys.stderr, flush=True)
        raise RuntimeStartFailed(f"the emulator could not start the runtime of {fn.function_name}: {error}; "
                                 "the next invocation starts it anew") from error
    finally:
        pool.release(warm)
    # A function deleted while it ran leaves no trace: its log group stays deleted, as on AWS.
    if not is_deployed(fn):
        pool.discard_undeployed()
        print(f"[lambda] {fn.function_name} {request_id}: the function was deleted while it ran; its logs are dropped",
              file=sys.stderr, flush=True)
        return result
    try:
        _write_logs(fn, warm.log_stream, result)
    except Exception as error:  # as on Lambda, where the logs' delivery never decides an invocation's outcome
        print(f"[lambda] {fn.function_name} {request_id}: its log lines could not be written: {error!r}", file=sys.stderr, flush=True)
    print(f"[lambda] {fn.function_name} {request_id} {'cold' if result.cold else 'warm'} "
          f"{'error' if result.errored else 'ok'} {result.duration_ms:.0f} ms", file=sys.stderr, flush=True)
    return result


_moto_delete_function = LambdaBackend.delete_function


def _delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None) -> None:
    _moto_delete_function(self, function_name, qualifier)
    pool.discard_undeployed()


def install() -> None:
    LambdaBackend.delete_function = _delete_function  # type: ignore[method-assign]
    pool.start_reaping()
