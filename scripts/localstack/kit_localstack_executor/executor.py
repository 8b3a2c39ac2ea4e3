"""LocalStack's RuntimeExecutor for host mode: each execution environment is a local process tree, the kit's
init (kit_lambda_runtime.localstack_init, in LocalStack's own Python) and the function's Node process, instead
of a Lambda container. LocalStack's own ExecutorEndpoint receives the init's status, logs and results.

Not a container: functions share this machine's file system, network and user with LocalStack.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import subprocess
import sys
import threading

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint, StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor
from localstack.utils.net import get_free_tcp_port

from kit_lambda_runtime.node_binary import node_binary_for

LOG = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
STOP_GRACE_S = 3.0
#: How many lines of the init's own output get_logs() keeps (LocalStack prints them when a start fails).
KEPT_INIT_LINES = 200


class KitNodeRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.executor_endpoint = ExecutorEndpoint(id, container_address=LOOPBACK, container_port=get_free_tcp_port())
        self.process: subprocess.Popen[bytes] | None = None
        self._init_output: collections.deque[str] = collections.deque(maxlen=KEPT_INIT_LINES)
        #: The request id of the invocation under way, which an init that dies answers as Lambda would.
        self._invoking: str | None = None
        #: Set by stop(): the init then ends because it is told to, and the invocation under way is LocalStack's to end.
        self._stopping = False

    def start(self, env_vars: dict[str, str]) -> None:
        node = node_binary_for(self.function_version.config.runtime)
        task_root = str(self.function_version.config.code.get_unzipped_code_location())
        self.executor_endpoint.start()
        env = {str(name): str(value) for name, value in env_vars.items()}
        env.update({
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            # Where the runner found the kit's packages; the init keeps it from the function.
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "KIT_NODE_BINARY": node,
            "KIT_TASK_ROOT": task_root,
            "LOCALSTACK_INTEROP_PORT": str(self.executor_endpoint.container_port),
        })
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kit_lambda_runtime.localstack_init"],
            cwd=task_root,
            env=env,
            # The init's lifeline: it stops the environment when this pipe closes, also when LocalStack is killed.
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._follow_init, args=(self.process,), name=f"kit-init-{self.id}", daemon=True).start()
        self.executor_endpoint.wait_for_startup()

    def _follow_init(self, process: subprocess.Popen[bytes]) -> None:
        """Keeps the init's own output; fails the start at once when the init dies before it is ready, and the
        invocation under way when it dies during one (LocalStack would wait for its answer for 905 s)."""
        assert process.stdout is not None
        for line in process.stdout:
            self._init_output.append(line.decode("utf-8", "replace").rstrip("\n"))
        code = process.wait()
        startup = self.executor_endpoint.startup_future
        if startup is not None and not startup.done():
            message = f"the kit's Lambda init exited with code {code} before the environment was ready"
            LOG.warning("%s:\n%s", message, self.get_logs())
            startup.set_exception(StatusErrorException(message, payload=f'{{"errorType":"Runtime.ExitError","errorMessage":"{message}"}}'.encode()))
            return
        invocation = self.executor_endpoint.invocation_future
        # An environment being stopped (LocalStack shutting down, or replacing it) has its invocation cancelled by
        # LocalStack; answered as a failure here, it would make LocalStack record an error metric through its own
        # gateway, which no longer answers during a shutdown, and the shutdown would wait on that request for ever.
        if self._stopping:
            return
        if invocation is not None and not invocation.done() and self._invoking is not None:
            message = f"RequestId: {self._invoking} Error: Runtime exited with error: the kit's Lambda init exited with code {code}"
            LOG.warning("%s:\n%s", message, self.get_logs())
            answer = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}).encode()
            invocation.set_result(InvocationResult(self._invoking, answer, is_error=True, logs=self.executor_endpoint.logs or ""))

    def stop(self) -> None:
        self._stopping = True
        process = self.process
        if process is not None and process.poll() is None:
            if process.stdin:
                process.stdin.close()
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        try:
            self.executor_endpoint.shutdown()
        except Exception as error:  # an endpoint that never started has nothing to shut down
            LOG.debug("executor endpoint %s: %s", self.id, error)

    def get_address(self) -> str:
        return LOOPBACK

    def get_endpoint_from_executor(self) -> str:
        return LOOPBACK

    def get_runtime_endpoint(self) -> str:
        return f"http://{LOOPBACK}:{config.GATEWAY_LISTEN[0].port}{self.executor_endpoint.get_endpoint_prefix()}"

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        self._invoking = payload.get("invoke-id")
        try:
            return self.executor_endpoint.invoke(payload)
        finally:
            self._invoking = None

    def get_logs(self) -> str:
        return "\n".join(self._init_output)

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        # Refuses a runtime it cannot run here: the function's state turns Failed with this reason.
        node_binary_for(function_version.config.runtime)
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Nothing to clean here: the unzipped code is in LocalStack's temporary folder, which the next start empties
        (scripts/lib/localstack-host.ts); while LocalStack runs, a version's code is LocalStack's own to keep."""

    @classmethod
    def validate_environment(cls) -> bool:
        return True
