"""A change set's type as CloudFormation reads it (CreateChangeSet's ChangeSetType).

CloudFormation takes a CreateChangeSet without ChangeSetType as an UPDATE of the stack of that name, and refuses it
when there is none ("Stack [name] does not exist"); it refuses a CREATE for a name whose stack exists, unless that
stack is still in review (REVIEW_IN_PROGRESS: made by an earlier CREATE change set, never executed). moto took a
missing ChangeSetType as CREATE and created whatever it was asked to: `aws cloudformation create-change-set` without
`--change-set-type` on a deployed stack made a second stack of that name beside it, in REVIEW_IN_PROGRESS, whose
execution would have built every resource of the template a second time, while the change set listed no change to
the stack the user meant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse

from .cloudformation_stacks import existing_stack, live_stack


def _update_by_default(create_change_set: Callable[[CloudFormationResponse], Any]) -> Callable[[CloudFormationResponse], Any]:
    """CreateChangeSet's response, with CloudFormation's default type and its refusal of an UPDATE of no stack."""
    def respond(self: CloudFormationResponse) -> Any:
        if self._get_param("ChangeSetType") is None:
            self.params["ChangeSetType"] = "UPDATE"
        # An UPDATE of no stack is refused in CloudFormation's words (moto's look-up gave DescribeStacks' "Stack with id …").
        if self._get_param("ChangeSetType") == "UPDATE":
            existing_stack(self.cloudformation_backend, self._get_param("StackName"))
        return create_change_set(self)
    return respond


def _no_second_stack(create_change_set: Callable[..., tuple[str, str]]) -> Callable[..., tuple[str, str]]:
    """CreateChangeSet (as the other modules have patched it) that refuses a CREATE for a name whose stack exists."""
    def create(self: CloudFormationBackend, stack_name: str, change_set_name: str, *args: Any, **kwargs: Any) -> tuple[str, str]:
        existing = live_stack(self, stack_name)
        if kwargs.get("change_set_type") == "CREATE" and existing is not None and existing.status != "REVIEW_IN_PROGRESS":
            raise ValidationError(message=f"Stack [{stack_name}] already exists and cannot be created again with the changeSet [{change_set_name}].")
        return create_change_set(self, stack_name, change_set_name, *args, **kwargs)
    return create


def install() -> None:
    """Installed before cloudformation_serial, so that the check of an existing stack runs inside the operation's turn."""
    CloudFormationResponse.create_change_set = _update_by_default(CloudFormationResponse.create_change_set)  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = _no_second_stack(CloudFormationBackend.create_change_set)  # type: ignore[method-assign]
