"""Stack operations one at a time, as CloudFormation keeps them apart.

moto's CreateStack checks that no stack has the name, then reads the template and builds the stack, and only then
records it: two CreateStack of one name that arrived together (two `make deploy` of a new stack) both passed the
check, and the emulator held two stacks of that name, the second's create failed on the first's resources and kept
as ROLLBACK_COMPLETE, while both deploys said "created". CloudFormation refuses the second (AlreadyExistsException),
and runs no two operations on one stack at once. Here every operation that changes stacks runs alone: the second
waits for the first to end (an operation takes the emulator well under a second), then meets what the first left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.cloudformation.models import CloudFormationBackend

# Reentrant: moto's DeleteStack by name calls itself by id.
_stack_operations = threading.RLock()

_OPERATIONS = ("create_stack", "create_change_set", "execute_change_set", "update_stack", "delete_stack", "delete_change_set")


def _alone(operation: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(operation)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _stack_operations:
            return operation(*args, **kwargs)
    return run


def install() -> None:
    """Installed after the other CloudFormation modules, so that their checks run inside the same turn."""
    for name in _OPERATIONS:
        setattr(CloudFormationBackend, name, _alone(getattr(CloudFormationBackend, name)))
