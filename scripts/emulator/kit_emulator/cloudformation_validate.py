"""ValidateTemplate as CloudFormation answers it: a ValidationError that names the template's problem, and only for an
error.

moto runs cfn-lint and answers its first finding as a stack look-up that failed: "Stack with id Resource type
'AWS::SNS::Topicc' does not exist in 'us-east-1' does not exist". And it refuses on any finding, a warning or a
suggestion too: a template with an unused parameter (cfn-lint's W2001) was refused, where CloudFormation accepts it
and CreateStack builds it. Here:
- a reference to what the template lacks is refused in CloudFormation's words, as CreateStack refuses it
  (cloudformation_references.py: "Template format error: Unresolved resource dependencies [X] in the Resources block
  of the template");
- otherwise cfn-lint's first error is the message, as cfn-lint words it (with its line and column when the text
  cannot be read at all); its warnings and suggestions refuse nothing.
A template it accepts is described as CloudFormation describes it: its parameters (key, default, NoEcho,
description), the capability its IAM resources require with the reason (cloudformation_capabilities.py) and its
transforms, where moto answered none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import validate_template_cfn_lint
from moto.core.responses import ActionResult

from .cloudformation_capabilities import required_capability
from .cloudformation_parameters import declared_parameters, template_text
from .cloudformation_references import refuse_unresolved


def _parsed(template: str) -> dict[str, Any] | None:
    try:
        parsed = Stack.parse_template(template)
    except Exception:  # noqa: BLE001 (text that is neither YAML nor JSON: cfn-lint says where)
        return None
    return parsed if isinstance(parsed, dict) else None


def _validate_template(self: CloudFormationBackend, template: str) -> list[Any]:
    parsed = _parsed(template)
    if parsed is not None:
        refuse_unresolved(parsed)
    # cfn-lint's rule ids: E errors, W warnings, I suggestions
    errors = [match for match in validate_template_cfn_lint(template) if match.rule.id.startswith("E")]
    if errors:
        first = errors[0]
        where = f" (line {first.linenumber}, column {first.columnnumber})" if first.rule.id == "E0000" else ""
        raise ValidationError(message=f"{first.message}{where}")
    return []


def _parameter(name: str, declaration: dict[str, Any]) -> dict[str, Any]:
    described: dict[str, Any] = {"ParameterKey": name}
    if "Default" in declaration:
        described["DefaultValue"] = template_text(declaration["Default"])
    described["NoEcho"] = template_text(declaration.get("NoEcho", False)) == "true"
    if "Description" in declaration:
        described["Description"] = str(declaration["Description"])
    return described


def _described(validate: Callable[[CloudFormationResponse], ActionResult]) -> Callable[[CloudFormationResponse], ActionResult]:
    """ValidateTemplate's answer (its refusals moto's, as patched above), with what the template declares and requires."""
    def respond(self: CloudFormationResponse) -> ActionResult:
        answer = validate(self)
        url = self._get_param("TemplateURL")
        body = self._get_param("TemplateBody") or (self._get_stack_from_s3_url(url) if url else None)
        template = _parsed(body) if body else None
        if template is None or not isinstance(answer.result, dict):
            return answer
        capability, types = required_capability(template)
        transforms = template.get("Transform") or []
        described = {
            **answer.result,
            "Parameters": [_parameter(name, declaration) for name, declaration in declared_parameters(template).items() if isinstance(declaration, dict)],
            "Capabilities": [capability] if capability else [],
            "DeclaredTransforms": [transforms] if isinstance(transforms, str) else list(transforms),
        }
        if capability:
            described["CapabilitiesReason"] = f"The following resource(s) require capabilities: [{', '.join(types)}]"
        return ActionResult(described)
    return respond


def install() -> None:
    CloudFormationBackend.validate_template = _validate_template  # type: ignore[method-assign]
    CloudFormationResponse.validate_template = _described(CloudFormationResponse.validate_template)  # type: ignore[method-assign]
