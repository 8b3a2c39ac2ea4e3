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
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.utils import validate_template_cfn_lint

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


def install() -> None:
    CloudFormationBackend.validate_template = _validate_template  # type: ignore[method-assign]
