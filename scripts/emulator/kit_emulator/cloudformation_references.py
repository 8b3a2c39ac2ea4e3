"""A template's references checked as CloudFormation checks them before it changes anything (a template with a
Transform is left to be built: a macro makes resources only CloudFormation's expansion names).

CloudFormation refuses a template whose Ref, Fn::GetAtt, Fn::Sub or DependsOn names something the template does
not declare, or whose Fn::GetAtt asks a resource for an attribute its type does not have, at CreateStack,
CreateChangeSet and UpdateStack: a ValidationError, nothing created. moto took such a template and failed while
building the stack, leaving it in UPDATE_ROLLBACK_FAILED, which only a delete ends (and a delete empties the
inbox): one typo in the template cost the stack.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

from .cloudformation import references_in, sub_names, sub_parts


def _get_atts(node: Any) -> list[tuple[str, str]]:
    """Every (logical id, attribute) a node asks for: with Fn::GetAtt, and as ${Name.Attr} in Fn::Sub."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, child in node.items():
            if key == "Fn::GetAtt":
                parts = child if isinstance(child, list) else str(child).split(".", 1)
                if len(parts) == 2 and all(isinstance(part, str) for part in parts):
                    found.append((parts[0], parts[1]))
            elif key == "Fn::Sub":
                text, variables = sub_parts(child)
                for name in sub_names(text, variables):
                    resource, _, attribute = name.partition(".")
                    if attribute:
                        found.append((resource, attribute))
                found.extend(_get_atts(variables))
            else:
                found.extend(_get_atts(child))
    elif isinstance(node, list):
        for item in node:
            found.extend(_get_atts(item))
    return found


def _supports(resource_type: str, attribute: str) -> bool:
    """Whether a resource type has the attribute, as far as the emulator's model of it says (a type it does not
    model is judged where it is created)."""
    try:
        resource_class = parsing.resource_class_from_type(resource_type)
    except Exception:  # noqa: BLE001 (a type the emulator refuses is refused, with its reason, when the stack is built)
        return True
    return resource_class is None or resource_class.has_cfn_attr(attribute)


def refuse_unresolved(template: dict[str, Any]) -> None:
    """Raises CloudFormation's ValidationError for the first block of the template that names what it lacks."""
    if template.get("Transform"):
        return  # a macro (SAM) makes resources of its own, which only CloudFormation's expansion names
    parameters = set(template.get("Parameters") or {})
    resources: dict[str, Any] = template.get("Resources") or {}
    declared = parameters | set(resources)
    for block in ("Resources", "Outputs"):
        named = references_in(template.get(block) or {}, resource_level=False) if block == "Outputs" else set().union(*(references_in(r) for r in resources.values()))
        unresolved = sorted(name for name in named if name not in declared and not name.startswith("AWS::"))
        if unresolved:
            raise ValidationError(message=f"Template format error: Unresolved resource dependencies [{', '.join(unresolved)}] in the {block} block of the template")
    for logical_id, attribute in _get_atts([resources, template.get("Outputs") or {}]):
        if logical_id not in resources:
            raise ValidationError(message=f"Template error: instance of Fn::GetAtt references undefined resource {logical_id}")
        if not _supports(str(resources[logical_id].get("Type", "")), attribute):
            raise ValidationError(message=f"Template error: resource {logical_id} does not support attribute type {attribute} in Fn::GetAtt "
                                          f"(as the embedded emulator models {resources[logical_id].get('Type')}: where CloudFormation has it, "
                                          "deploy to localstack or aws)")
