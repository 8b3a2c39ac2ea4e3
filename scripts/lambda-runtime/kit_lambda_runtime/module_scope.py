"""Unpacked function code loads as on Lambda, where nothing above /var/task says how to read a .js file.

Node (and the kit's bootstrap, which follows it) reads a .js file as an ES module when the nearest package.json
above it says "type": "module". The shared emulator and host-mode LocalStack unpack code inside this checkout,
whose package.json says so: a CommonJS index.js failed there ("exports is not defined") that runs on Lambda.
A package.json of its own at the root of the unpacked code ends the search there, as on Lambda. It names no
"type": with one (even "commonjs"), Node 22 would no longer detect a .js file written as an ES module, which
require() loads on Lambda, where no package.json names one.
"""

from __future__ import annotations

from pathlib import Path


def end_package_scope(directory: Path) -> None:
    """Makes `directory` the package scope of the function code unpacked below it, with no type: Node's default."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "package.json").write_text("{}\n")
