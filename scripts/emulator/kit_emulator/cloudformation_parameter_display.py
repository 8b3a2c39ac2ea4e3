"""A stack's and a change set's parameters as DescribeStacks and DescribeChangeSet show them.

CloudFormation shows each parameter's value as it was given (or the template's default), and a NoEcho parameter's as
****. moto showed its resolved values: a CommaDelimitedList as Python's text of a list (`['a', 'b']` for `a,b`),
and every NoEcho value in clear (its mask compared each value, not each name, with the NoEcho names), so that a
password sent as a NoEcho parameter was readable by anyone allowed DescribeStacks or DescribeChangeSet.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.models import ChangeSet, Stack

from .cloudformation_parameters import declared_parameters, effective_values, template_text

MASK = "****"


def shown(template: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """Each value as the API shows it, a NoEcho one masked (a YAML `NoEcho: true` or JSON's "true" alike)."""
    declared = declared_parameters(template)
    return {name: MASK if template_text(declared.get(name, {}).get("NoEcho", False)) == "true" else value for name, value in values.items()}


def _stack_parameters(self: Stack) -> list[dict[str, str]]:
    values = shown(self.template_dict or {}, effective_values(self.template_dict or {}, self.parameters))
    return [{"ParameterKey": name, "ParameterValue": value} for name, value in values.items()]


def _change_set_parameters(self: ChangeSet) -> dict[str, str]:
    # A dict: moto's DescribeChangeSet response makes it the list of ParameterKey and ParameterValue.
    return shown(self.template_dict or {}, {name: template_text(value) for name, value in self.parameters.items()})


class _ShownChangeSetParameters:
    serialization_aliases = {"Parameters": "parameter_list"}


def install() -> None:
    Stack.parameter_list = property(_stack_parameters)  # type: ignore[assignment]
    ChangeSet.parameter_list = property(_change_set_parameters)  # type: ignore[attr-defined]
    ChangeSet.Meta = _ShownChangeSetParameters  # type: ignore[attr-defined]
