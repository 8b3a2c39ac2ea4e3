"""The capabilities a template's IAM resources require, asked for as CloudFormation asks for them.

CloudFormation refuses CreateStack, UpdateStack and CreateChangeSet for a template with IAM resources unless the request
acknowledges them: CAPABILITY_IAM or CAPABILITY_NAMED_IAM, and CAPABILITY_NAMED_IAM alone where one of them has a
name of its own (RoleName, UserName …), with InsufficientCapabilitiesException "Requires capabilities :
[CAPABILITY_IAM]". moto read no Capabilities at all: a deploy without them, or a template that gave its role a name
while the deploy acknowledged CAPABILITY_IAM only, passed the emulator, the matrix and CI, and failed first on AWS.
ValidateTemplate names the capability a template requires and why (moto's answered none: cloudformation_validate.py).
Every IAM resource of the template counts, whatever its Condition (stricter than a guess at CloudFormation's order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import Stack
from moto.cloudformation.responses import CloudFormationResponse

from .cloudformation_stacks import live_stack

IAM = "CAPABILITY_IAM"
NAMED_IAM = "CAPABILITY_NAMED_IAM"

#: IAM resource types that require a capability, with the property that gives one a name of its own (None: no such name).
_IAM_TYPES: dict[str, str | None] = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
    "AWS::IAM::GroupPolicy": None,
    "AWS::IAM::RolePolicy": None,
    "AWS::IAM::UserPolicy": None,
}


class InsufficientCapabilities(CloudFormationError):
    code = "InsufficientCapabilitiesException"

    def __init__(self, required: str) -> None:
        super().__init__(f"Requires capabilities : [{required}]")


def required_capability(template: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The capability a template requires (None: none) and the resource types that require it, in template order."""
    resources = template.get("Resources") or {}
    iam = [resource for resource in resources.values() if isinstance(resource, dict) and resource.get("Type") in _IAM_TYPES]
    if not iam:
        return None, []
    named = [resource for resource in iam if (_IAM_TYPES[resource["Type"]] or "") in (resource.get("Properties") or {})]
    requiring = named or iam
    types = list(dict.fromkeys(resource["Type"] for resource in requiring))
    return (NAMED_IAM if named else IAM), types


def _request_template(self: CloudFormationResponse) -> dict[str, Any] | None:
    """The template a request would deploy (its body, its URL's, or the stack's previous one), parsed; None when it has
    none that can be read, which moto's response and the format check answer themselves."""
    body = self._get_param("TemplateBody")
    if not body and self._get_param("TemplateURL"):
        try:
            body = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
        except Exception:  # noqa: BLE001 (a URL that does not resolve is moto's response's to refuse)
            return None
    if not body and self._get_bool_param("UsePreviousTemplate", False):
        stack = live_stack(self.cloudformation_backend, self._get_param("StackName") or "")
        body = stack.template if stack is not None else None
    if not body:
        return None
    try:
        parsed = Stack.parse_template(body)
    except Exception:  # noqa: BLE001 (unreadable: cloudformation_template_format refuses it)
        return None
    return parsed if isinstance(parsed, dict) else None


def _acknowledged(respond: Callable[[CloudFormationResponse], Any]) -> Callable[[CloudFormationResponse], Any]:
    def refuse_or_respond(self: CloudFormationResponse) -> Any:
        template = _request_template(self)
        required = required_capability(template)[0] if template is not None else None
        given = set(self._get_param("Capabilities") or [])
        if required == IAM and not given & {IAM, NAMED_IAM} or required == NAMED_IAM and NAMED_IAM not in given:
            raise InsufficientCapabilities(required)
        return respond(self)
    return refuse_or_respond


def install() -> None:
    """Installed before cloudformation_change_set_type and cloudformation_template_format, whose refusals of a change set
    for no stack and of an unreadable body come first."""
    for action in ("create_stack", "create_change_set", "update_stack"):
        setattr(CloudFormationResponse, action, _acknowledged(getattr(CloudFormationResponse, action)))
