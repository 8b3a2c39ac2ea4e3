"""The plux plugin LocalStack loads for LAMBDA_RUNTIME_EXECUTOR=kit-node (entry point in ../pyproject.toml)."""

from __future__ import annotations

from typing import Any

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class KitNodeExecutorPlugin(RuntimeExecutorPlugin):
    name = "kit-node"

    def load(self, *args: Any, **kwargs: Any) -> type:
        from .executor import KitNodeRuntimeExecutor

        return KitNodeRuntimeExecutor
