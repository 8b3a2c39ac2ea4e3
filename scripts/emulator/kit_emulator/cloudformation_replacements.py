"""Which modifications of a change set replace their resource, marked as CloudFormation marks them.

CloudFormation replaces a resource when an update changes a property the resource is created with, one its type's
schema lists among createOnlyProperties: a new NotificationEmail is a new AWS::SNS::Subscription (its Endpoint), not
the old one changed. Its change sets say so in each modification's Replacement (True, Conditional or False); moto's
said nothing, so a deploy's listing never showed REPLACEMENT on this target. Here a modification is True when such a
property differs in the new template or reads a parameter or Condition that the update changes, Conditional when such
a property refers to a resource the change set replaces (its name or attributes may then change), and False otherwise.
A create-only property nested in another (`/properties/A/B`) is compared as the whole of A. The schemas are cfn-lint's
copy of CloudFormation's registry: cfn-lint is pinned beside moto, which uses it to validate templates.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from .cloudformation import references_in


@cache
def _create_only(resource_type: str, region: str) -> frozenset[str]:
    """The top-level properties a resource of this type is created with and replaced for; none for a type unknown there."""
    # Imported when a change set first modifies something: cfn-lint takes most of a second to import.
    from cfnlint.helpers import REGIONS
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    from cfnlint.schema.manager import ResourceNotFoundError

    try:
        # A region cfn-lint does not know (an emulator's own name for one) reads the schemas of CloudFormation's first.
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region if region in REGIONS else "us-east-1", resource_type).schema
    except ResourceNotFoundError:
        return frozenset()
    return frozenset(path.split("/")[2] for path in schema.get("createOnlyProperties", []) if path.startswith("/properties/"))


def replacements(modified: list[str], old: dict[str, Any], new: dict[str, Any], region: str,
                 reads_change: Callable[[Any], bool]) -> dict[str, str]:
    """Replacement of each modified resource (by logical id), from its template before (`old`) and after (`new`);
    `reads_change` says whether a template value reads a parameter or Condition that the update changes."""
    create_only = {name: {prop: (new[name].get("Properties") or {}).get(prop) for prop in _create_only(new[name]["Type"], region)}
                   for name in modified}

    def changes(name: str, prop: str) -> bool:
        value = create_only[name][prop]
        return value != (old[name].get("Properties") or {}).get(prop) or reads_change(value)

    marks = {name: "True" if any(changes(name, prop) for prop in create_only[name]) else "False" for name in modified}
    # A resource whose create-only property names a replaced one may be replaced too: until nothing more is found.
    while True:
        replaced = {name for name, mark in marks.items() if mark != "False"}
        conditional = {name for name in modified if marks[name] == "False" and references_in(list(create_only[name].values())) & replaced}
        if not conditional:
            return marks
        marks.update(dict.fromkeys(conditional, "Conditional"))
