"""A stack as the CloudFormation API names it: by its name or its stack id, among the live stacks.

moto's backend keeps deleted stacks beside live ones (`deleted_stacks`) and its own look-up answers a missing one in
DescribeStacks' words ("Stack with id … does not exist"); the change set and parameter mends find the stack they
act on here, and refuse a missing one as CloudFormation's change set calls do.
"""

from __future__ import annotations

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack


def live_stack(backend: CloudFormationBackend, name_or_id: str) -> Stack | None:
    """The live stack of that name or stack id, if any."""
    return next((stack for stack in backend.stacks.values() if name_or_id in (stack.name, stack.stack_id)), None)


def existing_stack(backend: CloudFormationBackend, name_or_id: str) -> Stack:
    """The live stack of that name or stack id, or CloudFormation's "Stack [name] does not exist"."""
    stack = live_stack(backend, name_or_id)
    if stack is None:
        raise ValidationError(message=f"Stack [{name_or_id}] does not exist")
    return stack
