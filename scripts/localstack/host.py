"""Runs real LocalStack 4.14.0 in host mode (no Docker) for the kit, as upstream's `make start` does, with the
settings that keep it on loopback, inside the kit's folders and off the network (../shared/docs facts):

- gateway on 127.0.0.1:<port>, served by hypercorn (twisted would bind 0.0.0.0);
- OVERRIDE_IN_DOCKER=0, FILESYSTEM_ROOT, TMPDIR, CONFIG_DIR, XDG_CACHE_HOME and S3's object storage under
  --state-dir: nothing is written to /var/lib, /usr/lib, /etc, /tmp/localstack*, or ~/.cache;
- no DNS server, no certificate download, no analytics; state in memory only;
- Lambda through the kit's executor (LAMBDA_RUNTIME_EXECUTOR=kit-node): functions run as local Node.js
  processes, not in containers; async retries after 1 and 2 s.

Usage: .venv-localstack/bin/python scripts/localstack/host.py --port 4577 --state-dir .localstack/host
[--exit-with-parent]. Stops on SIGTERM/SIGINT, taking its function processes with it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

SERVICES = "cloudformation,s3,lambda,sns,sqs,iam,logs,sts,ses,cloudwatch"
#: An orphaned runner gives LocalStack's shutdown this long, then exits hard.
ORPHAN_STOP_GRACE_S = 15.0
KIT_PACKAGES = [Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "lambda-runtime"]


def settings(port: int, state_dir: Path) -> dict[str, str]:
    return {
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "GATEWAY_SERVER": "hypercorn",
        "OVERRIDE_IN_DOCKER": "0",
        "FILESYSTEM_ROOT": str(state_dir / "filesystem"),
        "TMPDIR": str(state_dir / "tmp"),
        "CONFIG_DIR": str(state_dir / "config"),
        "XDG_CACHE_HOME": str(state_dir / "cache"),
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",
        "SERVICES": SERVICES,
        "PERSISTENCE": "0",
        "LAMBDA_RUNTIME_EXECUTOR": "kit-node",
        "LAMBDA_RETRY_BASE_DELAY": "1",
        # The kit's executor and runtime come from this checkout, so edits apply without reinstalling them.
        "PYTHONPATH": os.pathsep.join(str(path) for path in KIT_PACKAGES),
    }


def exit_with(parent_pid: int) -> None:
    """Stops LocalStack when the process that started it is gone, even if that one was killed without a word."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_STOP_GRACE_S)
    os._exit(1)


def run_then_exit(run: Callable[[], None]) -> NoReturn:
    """Runs LocalStack until its runtime returns, its services and server stopped, then ends the process at once.

    The interpreter's own exit would join the gateway's worker threads, and one of them can wait for ever: a request
    that ends during the stop (an invocation the stop cancels answers 500) writes its response through the server's
    event loop, which has already ended (seen with py-spy, in about one stop of three on a loaded machine).
    """
    try:
        run()
        code = 0
    except SystemExit as end:
        if end.code is None or isinstance(end.code, int):
            code = end.code or 0
        else:  # a message: printed, and the exit fails, as the interpreter does with it
            print(end.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    parser = argparse.ArgumentParser(description="LocalStack 4.14.0 in host mode, set up for backup-kit")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--exit-with-parent", action="store_true")
    args = parser.parse_args()

    state_dir = args.state_dir.resolve()
    environment = settings(args.port, state_dir)
    for folder in ("tmp", "config", "cache"):
        (state_dir / folder).mkdir(parents=True, exist_ok=True)
    os.environ.update(environment)
    sys.path[:0] = [str(path) for path in KIT_PACKAGES]
    from kit_lambda_runtime.module_scope import end_package_scope

    # LocalStack unpacks function code below the state directory, inside this checkout's "type": "module" package.
    end_package_scope(state_dir)
    if args.exit_with_parent:
        threading.Thread(target=exit_with, args=(os.getppid(),), daemon=True).start()

    # LocalStack reads its configuration when it is first imported: only now.
    import localstack.services.s3.provider as s3_provider
    from localstack.runtime.main import main as run_localstack

    # Its S3 keeps object bodies in a fixed /tmp/localstack-s3-storage (services/s3/provider.py), no setting moves it.
    s3_provider.DEFAULT_S3_TMP_DIR = str(state_dir / "s3-storage")
    run_then_exit(run_localstack)


if __name__ == "__main__":
    main()
