"""A stack's resources as CloudFormation lists them (DescribeStackResources, DescribeStackResource, ListStackResources).

moto listed every resource of the template: one that a Condition keeps out of the stack (or that a rollback or an
update removed) came out as an entry with no logical id, type or physical id, and a look-up by logical id that met
such an entry before its match (an id the stack lacks, or one listed after a left-out resource) answered HTTP 500.
DescribeStackResources also ignored PhysicalResourceId. Here:
- the three list only the resources the stack has, in the template's order;
- DescribeStackResources takes either StackName or PhysicalResourceId (the stack that has the resource), not both, and
  LogicalResourceId filters either; DescribeStackResource refuses a logical id the stack lacks with a ValidationError.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse, StackResourceDTO
from moto.core.responses import ActionResult


def resources_of(stack: Stack) -> list[Any]:
    """The resources the stack has: those of its template that were created and are still there."""
    resource_map = stack.resource_map
    return [resource for name in resource_map._resource_json_map
            if (resource := resource_map._parsed_resources.get(name)) is not None]


def _physical_id(resource: Any) -> str | None:
    try:
        return str(resource.physical_resource_id)
    except Exception:  # noqa: BLE001 (a model without one, or one that fails to say: it matches no id)
        return None


def _stack_with_resource(backend: CloudFormationBackend, physical_resource_id: str) -> Stack:
    for stack in backend.stacks.values():
        if any(_physical_id(resource) == physical_resource_id for resource in resources_of(stack)):
            return stack
    raise ValidationError(message=f"Stack for {physical_resource_id} does not exist")


def _describe_stack_resource(self: CloudFormationBackend, stack_name: str, logical_resource_id: str) -> tuple[Stack, Any]:
    stack = self.get_stack(stack_name)
    found = next((r for r in resources_of(stack) if r.logical_resource_id == logical_resource_id), None)
    if found is None:
        raise ValidationError(message=f"Resource {logical_resource_id} does not exist for stack {stack_name}")
    return stack, found


def _describe_stack_resources(self: CloudFormationBackend, stack_name: str | None, logical_resource_id: str | None,
                              physical_resource_id: str | None = None) -> tuple[Stack, list[Any]]:
    if stack_name and physical_resource_id:
        raise ValidationError(message="Specify either StackName or PhysicalResourceId, but not both")
    if not stack_name and not physical_resource_id:
        raise ValidationError(message="Either StackName or PhysicalResourceId must be specified")
    stack = self.get_stack(stack_name) if stack_name else _stack_with_resource(self, str(physical_resource_id))
    resources = resources_of(stack)
    if logical_resource_id is not None:
        resources = [r for r in resources if r.logical_resource_id == logical_resource_id]
    return stack, resources


def _list_stack_resources(self: CloudFormationBackend, stack_name_or_id: str) -> tuple[Stack, list[Any]]:
    stack = self.get_stack(stack_name_or_id)
    return stack, resources_of(stack)


def _describe_stack_resources_response(self: CloudFormationResponse) -> ActionResult:
    """moto's response, with the PhysicalResourceId it did not read."""
    stack, resources = self.cloudformation_backend.describe_stack_resources(
        self._get_param("StackName"), self._get_param("LogicalResourceId"), self._get_param("PhysicalResourceId"))
    return ActionResult({"StackResources": [StackResourceDTO(stack, resource) for resource in resources]})


def install() -> None:
    CloudFormationBackend.describe_stack_resource = _describe_stack_resource  # type: ignore[method-assign]
    CloudFormationBackend.describe_stack_resources = _describe_stack_resources  # type: ignore[method-assign]
    CloudFormationBackend.list_stack_resources = _list_stack_resources  # type: ignore[method-assign]
    CloudFormationResponse.describe_stack_resources = _describe_stack_resources_response  # type: ignore[method-assign]
