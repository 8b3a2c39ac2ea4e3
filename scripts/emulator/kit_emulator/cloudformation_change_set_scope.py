"""A change set found as CloudFormation finds it: by its ARN, or by its name within the stack that StackName names.

A change set's name is its stack's: two stacks may each have a change set `cs1`, and CloudFormation's
DescribeChangeSet, ExecuteChangeSet and DeleteChangeSet find one by name only within the stack named (by name or
stack id; "StackName must be specified if ChangeSetName is not specified as an ARN"), and ListChangeSets lists that
stack's alone. moto ignored StackName and matched the name across every stack: `describe-change-set --stack-name p4
--change-set-name cs1` answered p2's `cs1`, `list-change-sets --stack-name p4` listed p2's change sets too, and
`execute-change-set --stack-name p2 --change-set-name cs1` checked p2's change set and then executed the last of that
name it met, p4's, updating the stack the user did not name. Two deploys of two stacks that name their change sets
alike (the kit's are `backup-kit-<milliseconds>`) met so too. A stack deleted and created again under its name does
not inherit the change sets of the one before: a stack is found by name among the live stacks only.

Within one stack a name is one change set's ("The name must be unique among all change sets that are associated with
the specified stack", CreateChangeSet's reference; AlreadyExistsException): moto made a second of the name beside the
first, and the name then found whichever of the two the look-up met first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import AlreadyExistsException, CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult

from .cloudformation_stacks import existing_stack, live_stack


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFoundException"


def _is_arn(change_set_name: str) -> bool:
    return change_set_name.startswith("arn:")


def change_set_named(backend: CloudFormationBackend, change_set_name: str, stack_name: str | None) -> Any:
    """The change set of that ARN, or of that name in the stack named, else CloudFormation's refusal."""
    if _is_arn(change_set_name):
        change_set = backend.change_sets.get(change_set_name)
    elif not stack_name:
        raise ValidationError(message="StackName must be specified if ChangeSetName is not specified as an ARN.")
    else:
        stack = existing_stack(backend, stack_name)
        change_set = next((cs for cs in backend.change_sets.values()
                           if cs.stack_id == stack.stack_id and cs.change_set_name == change_set_name), None)
    if change_set is None:
        raise ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist")
    return change_set


def _describe_change_set(self: CloudFormationResponse) -> ActionResult:
    return ActionResult(self.cloudformation_backend.describe_change_set(
        change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName")))


def _delete_change_set(self: CloudFormationResponse) -> EmptyResult:
    self.cloudformation_backend.delete_change_set(
        change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
    return EmptyResult()


def _list_change_sets(self: CloudFormationResponse) -> ActionResult:
    stack = existing_stack(self.cloudformation_backend, self._get_param("StackName"))
    return ActionResult({"Summaries": [cs for cs in self.cloudformation_backend.list_change_sets() if cs.stack_id == stack.stack_id]})


def _unique_in_its_stack(create_change_set: Callable[..., tuple[str, str]]) -> Callable[..., tuple[str, str]]:
    """CreateChangeSet (as the other modules have patched it) that refuses a name the stack's change sets have already."""
    def create(self: CloudFormationBackend, stack_name: str, change_set_name: str, *args: Any, **kwargs: Any) -> tuple[str, str]:
        stack = live_stack(self, stack_name)
        if stack is not None and any(cs.stack_id == stack.stack_id and cs.change_set_name == change_set_name for cs in self.change_sets.values()):
            raise AlreadyExistsException(f"ChangeSet {change_set_name} already exists")
        return create_change_set(self, stack_name, change_set_name, *args, **kwargs)
    return create


def install() -> None:
    """moto's responses pass no StackName to the backend's DescribeChangeSet and DeleteChangeSet, nor to its listing.
    Installed before cloudformation_serial, so that the check of the stack's names runs inside the operation's turn."""
    CloudFormationBackend.create_change_set = _unique_in_its_stack(CloudFormationBackend.create_change_set)  # type: ignore[method-assign]
    CloudFormationResponse.describe_change_set = _describe_change_set  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = _delete_change_set  # type: ignore[method-assign]
    CloudFormationResponse.list_change_sets = _list_change_sets  # type: ignore[method-assign]
