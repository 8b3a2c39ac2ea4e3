"""Stack updates in the emulator that follow parameter changes the way CloudFormation does.

moto's update diff notices a changed parameter only where a resource `Ref`s it directly and the request
sent it (a parameter left out, which takes its default, goes unseen): a change that flips a template
Condition (an `Fn::If` inside a resource, or a resource's own `Condition`) goes unseen, its change sets list
no parameter-driven changes at all, and an IAM role's inline policies are never updated. Here every
parameter's effective value (sent, else the default) is compared with the live one, and every Condition of the new
template that reads a changed parameter, or that the template adds or defines anew, is evaluated again (an added one
once failed the change set with a KeyError, which the deploy printed as "error: Unknown", and a redefined one went
unseen). A resource that refers to a changed parameter (`Ref` or `${Name}` in `Fn::Sub`) or whose `Fn::If` conditions
flip is modified, a change set lists what its parameters change, a role's inline policies follow the template (kept as
JSON text, as IAM answers them), a log group's retention changes in place, a resource with DeletionPolicy Retain that
leaves the template is kept, a resource that its own Condition keeps out of the stack is never updated, and a resource
that the stack gains or loses by its own Condition (flipped, new, redefined or dropped) is added or removed (its removal
reported, and the resource out of the stack's resources); a Condition that would add a resource of a type the emulator
lacks fails the update by name: a change set fails at its creation, before it changes anything. A change set's
modifications say whether they replace their resource (cloudformation_replacements.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend
from moto.cloudformation.parsing import ResourceMap
from moto.utilities.utils import get_partition
from moto.iam.models import Role, iam_backends
from moto.logs.models import LogGroup, logs_backends

from .cloudformation import (HANDLED_BUCKET_PROPERTIES, HANDLED_FUNCTION_PROPERTIES, UnsupportedByEmulator, change_done, change_failed, change_started,
                             emulates, references_in)
from .cloudformation_parameters import effective_values, template_text
from .cloudformation_replacements import replacements

_original_build_resource_diff = ResourceMap.build_resource_diff
_original_delete_resource = ResourceMap._delete_resource
_original_role_update = Role.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _evaluate(conditions: dict[str, Any], name: str, values: dict[str, str], defaults: dict[str, Any], pseudo: dict[str, Any]) -> bool:
    def value(node: Any) -> str:
        if isinstance(node, dict) and "Ref" in node:
            ref = node["Ref"]
            if ref in pseudo:  # AWS::Region, AWS::AccountId and the other pseudo parameters keep their values in an update
                return template_text(pseudo[ref])
            return values.get(ref, template_text(defaults.get(ref, {}).get("Default", "")))
        if isinstance(node, dict):
            # Compared as text, another intrinsic would pass for a value: say so instead of guessing.
            raise UnsupportedByEmulator(f"{next(iter(node), 'an intrinsic')} in a Condition is not supported by the embedded emulator in an update")
        return template_text(node)

    def evaluate(node: Any) -> bool:
        (function, args), = node.items()
        if function == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if function == "Fn::Not":
            return not evaluate(args[0])
        if function == "Fn::And":
            return all(evaluate(a) for a in args)
        if function == "Fn::Or":
            return any(evaluate(a) for a in args)
        if function == "Condition":
            return evaluate(conditions[args])
        raise UnsupportedByEmulator(f"condition function {function} is not supported by the embedded emulator")

    return evaluate(conditions[name])


def _conditions_read(conditions: dict[str, Any], name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """A Condition and every Condition it names, through the ones they name."""
    found = {name}
    for named in _named_conditions(conditions[name]) & set(conditions) - seen - {name}:
        found |= _conditions_read(conditions, named, seen | {name})
    return found


def _condition_inputs(conditions: dict[str, Any], name: str) -> set[str]:
    """The names a Condition reads (its `Ref`s), through the Conditions it names too."""
    return set().union(*(references_in(conditions[read]) for read in _conditions_read(conditions, name)))


def _names_found(node: Any, pick: Callable[[str, Any], str | None]) -> set[str]:
    """Every name `pick` finds at a key anywhere in a template tree."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, child in node.items():
            name = pick(key, child)
            if name is not None:
                found.add(name)
            found |= _names_found(child, pick)
    elif isinstance(node, list):
        for item in node:
            found |= _names_found(item, pick)
    return found


def _named_conditions(node: Any) -> set[str]:
    """The Conditions a Condition names ({"Condition": name})."""
    return _names_found(node, lambda key, child: child if key == "Condition" and isinstance(child, str) else None)


def _if_conditions(node: Any) -> set[str]:
    """The Conditions the `Fn::If`s below a node test."""
    return _names_found(node, lambda key, child: child[0] if key == "Fn::If" and isinstance(child, list) and child else None)


def _without_metadata(resource: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in resource.items() if key != "Metadata"}


def _changed_parameters(resource_map: ResourceMap, template: dict[str, Any], parameters: dict[str, Any]) -> tuple[set[str], dict[str, str]]:
    """The parameters whose effective value an update changes, and every parameter's new effective value."""
    # As in CloudFormation, a parameter left out of an update takes its default, not its previous value.
    new_values = effective_values(template, parameters)
    old_values = {k: template_text(v) for k, v in resource_map.resolved_parameters.items()}
    return {name for name in template.get("Parameters", {}) if new_values.get(name) != old_values.get(name)}, new_values


def _pseudo_parameters(resource_map: ResourceMap) -> dict[str, Any]:
    return {name: value for name, value in resource_map._parsed_resources.items() if name.startswith("AWS::")}


class _UpdateChanges(NamedTuple):
    """What an update changes besides the resources' own text, worked out once for its diff and its change set."""

    parameters: set[str]  # the parameters whose effective value changes
    conditions: dict[str, bool | None]  # every Condition of the new template as the update leaves it (None: not known here)
    flipped: set[str]  # the Conditions whose value the update changes, new ones included


def _conditions_after(resource_map: ResourceMap, template: dict[str, Any], changed: set[str], new_values: dict[str, str]) -> dict[str, bool | None]:
    """Every Condition of the new template as the update leaves it. One that reads a changed parameter, or that is new
    or defined anew (it or a Condition it names), is evaluated with the new values; the others keep the stack's value,
    so that one the emulator cannot evaluate (Fn::FindInMap…) fails an update only when its inputs change. A new or
    redefined one it cannot evaluate is None: it fails the update only where a resource the stack has depends on it."""
    conditions, declared = template.get("Conditions", {}), template.get("Parameters", {})
    old = resource_map._template.get("Conditions", {})
    pseudo = _pseudo_parameters(resource_map)
    after: dict[str, bool | None] = {}
    for name in conditions:
        reads_change = bool(_condition_inputs(conditions, name) & changed)
        redefined = any(read not in old or old[read] != conditions[read] for read in _conditions_read(conditions, name))
        if not reads_change and not redefined:
            after[name] = bool(resource_map.lazy_condition_map[name])
            continue
        try:
            after[name] = _evaluate(conditions, name, new_values, declared, pseudo)
        except UnsupportedByEmulator:
            if reads_change:
                raise
            after[name] = None
    return after


def _update_changes(resource_map: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None) -> _UpdateChanges:
    # moto's update keeps the stack's parameters when it is given none.
    changed, new_values = _changed_parameters(resource_map, template, resource_map.input_parameters if parameters is None else parameters)
    after = _conditions_after(resource_map, template, changed, new_values)
    before = {name: bool(resource_map.lazy_condition_map[name]) for name in resource_map.lazy_condition_map}
    return _UpdateChanges(changed, after, {name for name, holds in after.items() if holds is None or holds != before.get(name)})


def _in_stack_before(resource_map: ResourceMap, name: str) -> bool:
    """Whether the stack has this resource: its template has it, and its own Condition, if any, held."""
    resource = resource_map._resource_json_map.get(name)
    if resource is None:
        return False
    condition = resource.get("Condition")
    return not isinstance(condition, str) or bool(resource_map.lazy_condition_map[condition])


def _in_stack_after(resource: dict[str, Any], conditions: dict[str, bool | None]) -> bool | None:
    """Whether the new template keeps this resource in the stack (None: its Condition cannot be evaluated here)."""
    condition = resource.get("Condition")
    return True if not isinstance(condition, str) else conditions.get(condition)


def _unknown(condition: str, name: str) -> UnsupportedByEmulator:
    return UnsupportedByEmulator(
        f"the embedded emulator cannot evaluate in an update the new template's Condition {condition}, on which {name} depends: "
        "nothing was changed; keep the Condition as it was on this target, or deploy to localstack or aws"
    )


def _build_resource_diff(self: ResourceMap, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return _changed_resources(self, other_template, parameters)[0]


def _changed_resources(self: ResourceMap, other_template: dict[str, Any], parameters: dict[str, Any] | None) -> tuple[dict[str, Any], _UpdateChanges]:
    """The resources an update adds, modifies and removes, decided as CloudFormation does from whether the stack has
    each before and after (its own Condition, a new, removed or redefined Condition included), and what it changes."""
    diff = _original_build_resource_diff(self, other_template, None)
    # A resource whose only change is its Metadata (e.g. a linter's suppression) is not updated by CloudFormation;
    # moto counts it as modified and, for types it cannot update (a log group), drops the resource.
    new_resources, old_resources = other_template.get("Resources", {}), self._resource_json_map
    diff["Modify"] = [name for name in diff["Modify"] if _without_metadata(new_resources[name]) != _without_metadata(old_resources[name])]
    changes = _update_changes(self, other_template, parameters)
    conditions = other_template.get("Conditions", {})
    for name, resource in new_resources.items():
        if name in old_resources and name not in diff["Modify"] and references_in(resource) & changes.parameters:
            diff["Modify"].append(name)
    _refuse_unemulated_properties(new_resources, changes.conditions)
    # A resource the stack never had has nothing to remove, and one the new template leaves out nothing to add.
    diff["Remove"] = [name for name in diff["Remove"] if _in_stack_before(self, name)]
    diff["Add"] = [name for name in diff["Add"] if _in_stack_after(new_resources[name], changes.conditions) is not False]
    for name, resource in new_resources.items():
        if name not in old_resources:
            continue
        had, keeps = _in_stack_before(self, name), _in_stack_after(resource, changes.conditions)
        if keeps is None:
            raise _unknown(resource["Condition"], name)
        if had != keeps:
            if not emulates(resource["Type"]):
                # Destroying the stack and deploying again helps only if a stack with it can be created here.
                condition = resource.get("Condition") or old_resources[name].get("Condition")
                by_parameters = condition in conditions and _condition_inputs(conditions, condition) & changes.parameters
                raise UnsupportedByEmulator(
                    f"the new {'parameters flip' if by_parameters else 'template changes'} Condition {condition}, which would add or remove "
                    f"{name} ({resource['Type']}), a resource type the embedded emulator does not support, in an update or a new stack: "
                    f"keep the {'parameter' if by_parameters else 'Condition'} as it was on this target, or deploy to localstack or aws"
                )
            # Added or removed, as CloudFormation does (moto saw no change, and left out one whose Condition the template dropped).
            diff["Add" if keeps else "Remove"].append(name)
        if had != keeps or not keeps:
            # Not updated: added or removed, or kept out of the stack (moto would update it, from nothing).
            diff["Modify"] = [modified for modified in diff["Modify"] if modified != name]
            continue
        tested = _if_conditions(resource) & changes.flipped
        unknown = sorted(condition for condition in tested if changes.conditions.get(condition) is None)
        if unknown:
            raise _unknown(unknown[0], name)
        if tested and name not in diff["Modify"]:
            diff["Modify"].append(name)
    return diff, changes


_NO_VALUE = {"Ref": "AWS::NoValue"}


def _chosen(value: Any, holds: dict[str, bool | None]) -> Any:
    """A property's value once its `Fn::If`s are decided: AWS::NoValue when the property is left out, None when a
    Condition it depends on cannot be evaluated here (the update itself then decides, as before)."""
    while isinstance(value, dict) and list(value) == ["Fn::If"] and isinstance(value["Fn::If"], list) and len(value["Fn::If"]) == 3:
        condition, when_true, when_false = value["Fn::If"]
        if holds.get(condition) is None:
            return None
        value = when_true if holds[condition] else when_false
    return value


def _refuse_unemulated_properties(resources: dict[str, Any], holds: dict[str, bool | None]) -> None:
    """An update that would give a bucket or a function a property the emulator cannot honour (Object Lock, say) is
    refused before it changes anything, so that the stack stays usable; found while updating that resource, it left
    the stack in UPDATE_ROLLBACK_FAILED, which only a destroy (emptying the inbox) ended."""
    for name, resource in resources.items():
        if isinstance(resource.get("Condition"), str) and not holds.get(resource["Condition"]):
            continue
        properties = {key for key, value in (resource.get("Properties") or {}).items() if _chosen(value, holds) not in (_NO_VALUE, None)}
        handled = {"AWS::S3::Bucket": HANDLED_BUCKET_PROPERTIES, "AWS::Lambda::Function": HANDLED_FUNCTION_PROPERTIES}.get(resource.get("Type", ""))
        unknown = sorted(properties - handled) if handled is not None else []
        if unknown:
            raise UnsupportedByEmulator(
                f"{resource['Type']} properties not emulated by the embedded emulator: {', '.join(unknown)} ({name}): nothing was "
                "changed; leave them out on this target (the parameter value or the template edit that sets them), or deploy to "
                "localstack or aws"
            )


def _change_set_diff(self: ChangeSet) -> list[Change]:
    resource_map = self.stack.resource_map
    try:
        names, update = _changed_resources(resource_map, self.template_dict, self.parameters)
    except UnsupportedByEmulator as error:
        # The change set fails at its creation, before it changes anything, so that the stack stays usable.
        self.kit_refusal = str(error)  # type: ignore[attr-defined]
        names, update = {"Add": [], "Modify": [], "Remove": []}, None
    old = resource_map._resource_json_map
    new = self.template_dict.get("Resources", {})
    changes = [Change(action=action, logical_resource_id=name, resource_type=(new.get(name) or old[name])["Type"])
               for action, resource_names in names.items() for name in resource_names]
    if update is not None and names["Modify"]:
        marks = replacements(names["Modify"], old, new, self.stack.region_name,
                             lambda value: bool(references_in(value) & update.parameters or _if_conditions(value) & update.flipped))
        for change in changes:
            if change.action == "Modify":
                change.replacement = marks[change.logical_resource_id]  # type: ignore[attr-defined]
    return changes


def _role_update(cls: type[Role], original_resource: Role, new_resource_name: str, cloudformation_json: dict[str, Any],
                 account_id: str, region_name: str) -> Role:
    role = _original_role_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    role = iam_backends[account_id][get_partition(region_name)].get_role(original_resource.name)
    wanted = {p["PolicyName"]: p["PolicyDocument"] for p in cloudformation_json["Properties"].get("Policies", [])}
    for name in list(role.policies):
        if name not in wanted:
            role.delete_policy(name)
    for name, document in wanted.items():
        role.put_policy(name, document)
    return role


def _log_group_update(cls: type[LogGroup], original_resource: LogGroup, new_resource_name: str, cloudformation_json: dict[str, Any],
                      account_id: str, region_name: str) -> LogGroup:
    """RetentionInDays changes in place, as in CloudFormation; a new LogGroupName would replace the group."""
    properties = cloudformation_json.get("Properties", {})
    others = sorted(set(properties) - {"LogGroupName", "RetentionInDays"})
    if others:
        raise UnsupportedByEmulator(f"the embedded emulator updates a log group's RetentionInDays only, not {', '.join(others)}: "
                                    "destroy the stack and deploy again")
    name = properties.get("LogGroupName", original_resource.name)
    if name != original_resource.name:
        raise UnsupportedByEmulator(f"a new LogGroupName ({name}) replaces the log group {original_resource.name}, which the embedded "
                                    "emulator cannot do in an update: destroy the stack and deploy again")
    retention = properties.get("RetentionInDays")
    logs = logs_backends[account_id][region_name]
    if retention is None:
        logs.delete_retention_policy(name)
    else:
        logs.put_retention_policy(name, int(retention))
    return original_resource


def _failing_refused(create_change_set: Callable[..., tuple[str, str]]) -> Callable[..., tuple[str, str]]:
    """CreateChangeSet (as the other modules have patched it) whose change set fails when its diff was refused."""
    def create(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> tuple[str, str]:
        change_set_id, stack_id = create_change_set(self, *args, **kwargs)
        change_set = self.change_sets[change_set_id]
        refusal = getattr(change_set, "kit_refusal", None)
        if refusal:
            change_set.status = "FAILED"
            change_set.execution_status = "UNAVAILABLE"
            change_set.status_reason = refusal
        return change_set_id, stack_id
    return create


_original_put_policy = Role.put_policy


def _put_policy_as_json(self: Role, policy_name: str, policy_json: Any) -> None:
    """An inline policy is kept as the JSON text IAM answers GetRolePolicy with; moto kept a template's document as a
    dict, created or updated, and answered GetRolePolicy with its Python repr, which no client can read."""
    _original_put_policy(self, policy_name, policy_json if isinstance(policy_json, str) else json.dumps(policy_json))


def _delete_unless_retained(self: ResourceMap, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
    """A resource with DeletionPolicy Retain stays when an update leaves it out of the template, as on AWS (the
    policy "also applies to stack update operations"); moto deleted it. A stack's delete skips it by itself.
    A resource an update removes is reported as CloudFormation reports it, and leaves the stack's resources: moto kept
    it there, so that a Condition flipped back found the deleted one instead of creating it again."""
    if resource_json.get("DeletionPolicy") == "Retain":
        return
    name = next((logical_id for logical_id, parsed in self._parsed_resources.items() if parsed is parsed_resource), None)
    updating = name is not None and getattr(self, "kit_building", False)
    if updating:
        change_started(self, name, resource_json["Type"], "DELETE_IN_PROGRESS")
    try:
        _original_delete_resource(self, parsed_resource, resource_json)
    except Exception as error:
        if updating:
            change_failed(self, name, resource_json["Type"], "DELETE_FAILED", error)
        raise
    if updating:
        change_done(self, name, resource_json["Type"], "DELETE_COMPLETE")
        self._parsed_resources.pop(name)


def install() -> None:
    ResourceMap.build_resource_diff = _build_resource_diff  # type: ignore[method-assign]
    ResourceMap._delete_resource = _delete_unless_retained  # type: ignore[method-assign]
    Role.put_policy = _put_policy_as_json  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = _failing_refused(CloudFormationBackend.create_change_set)  # type: ignore[method-assign]
    ChangeSet.diff = _change_set_diff  # type: ignore[method-assign]
    Role.update_from_cloudformation_json = classmethod(_role_update)  # type: ignore[method-assign,assignment]
    LogGroup.update_from_cloudformation_json = classmethod(_log_group_update)  # type: ignore[method-assign,assignment]
