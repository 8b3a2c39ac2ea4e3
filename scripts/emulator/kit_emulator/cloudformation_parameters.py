"""Stack parameters in the emulator as CloudFormation treats them.

moto checks no parameter constraint: `CopyConcurrency=0`, `NamePrefix=UPPER_case` or a parameter the template
does not declare all deploy, leaving resources that cannot work. And it decides "no changes" by comparing the
parameters a request sent with the ones the stack was created with (an executed change set never records
its own), so a redeploy after a changed override said "up to date" while the resources kept the old value.
Here:
- CreateStack, CreateChangeSet and UpdateStack validate the parameters first, with CloudFormation's
  messages (Type Number, MinValue/MaxValue, MinLength/MaxLength, AllowedPattern, AllowedValues, unknown and
  missing names): a ValidationError at the API, nothing created;
- they refuse a template that names what it lacks, as CloudFormation does (cloudformation_references.py);
- a stack that is not in a state CloudFormation updates (UPDATE_ROLLBACK_FAILED, DELETE_FAILED …) refuses
  CreateChangeSet and UpdateStack as CloudFormation does;
- "no changes" and the change set's list of resources compare the effective values: what was sent, and the
  template's default for every parameter left out (a parameter left out takes its default, not its
  previous value);
- a boolean of the template (YAML's unquoted true, a Default or an AllowedValues entry) is the text "true" or
  "false", as CloudFormation reads it, and so is one in a Condition, evaluated by the kit in an update or by moto
  (which decides what a stack creates, and what an update adds): moto's `Fn::Equals` read a boolean as text only in
  second place and then ignoring case, and compared a Number parameter with the template's text as a number, so that
  `!Equals [true, !Ref Switch]` created nothing for Switch=true while a change set listed it as added, and
  `!Equals [!Ref Switch, true]` created its resource for Switch=True, which the kit's own evaluation reads as false;
- a parameter that takes such a Default (`Default: yes`, a boolean in YAML 1.1, which CloudFormation's YAML follows) is
  the text "true" too: moto kept the boolean, which DescribeStacks showed and `!Sub` wrote as "True".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.parsing import ResourceMap
from moto.cloudformation.responses import CloudFormationResponse

from .cloudformation_references import refuse_unresolved
from .cloudformation_stacks import live_stack

UPDATABLE_STATUSES = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
                      "IMPORT_ROLLBACK_COMPLETE"}


def declared_parameters(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return template.get("Parameters") or {}


def template_text(value: Any) -> str:
    """A template's scalar as CloudFormation reads it, as text: a YAML or JSON boolean is "true" or "false" (str() made
    it "True", which no parameter value equals, so that `AllowedValues: [true, false]` refused "true")."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def effective_values(template: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    """Every declared parameter's value: the one given, else the template's default (absent when neither)."""
    values = {}
    for name, declaration in declared_parameters(template).items():
        if name in given:
            values[name] = template_text(given[name])
        elif "Default" in declaration:
            values[name] = template_text(declaration["Default"])
    return values


# A decimal number as a parameter value; the kit's deploy checks the same before it writes anything
# (scripts/lib/parameter-constraints.ts). float() alone would take "nan", "inf", "1_0" and surrounding spaces.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


def _violation(name: str, declaration: dict[str, Any], value: str) -> str | None:
    """What is wrong with one value, in CloudFormation's words; None when it satisfies every constraint."""
    kind = str(declaration.get("Type", "String"))
    members = value.split(",") if kind == "CommaDelimitedList" or kind.startswith("List<") else [value]
    numeric = kind in ("Number", "List<Number>")
    for member in members:
        if numeric:
            number = _number(member)
            if number is None:
                return f"Parameter '{name}' must be a number."
            if "MinValue" in declaration and number < float(declaration["MinValue"]):
                return f"Parameter '{name}' must be a number not less than {declaration['MinValue']}"
            if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
                return f"Parameter '{name}' must be a number not greater than {declaration['MaxValue']}"
        else:
            if "MinLength" in declaration and len(member) < int(declaration["MinLength"]):
                return f"Parameter '{name}' must contain at least {declaration['MinLength']} characters"
            if "MaxLength" in declaration and len(member) > int(declaration["MaxLength"]):
                return f"Parameter '{name}' must contain at most {declaration['MaxLength']} characters"
            pattern = declaration.get("AllowedPattern")
            if pattern is not None and re.fullmatch(str(pattern), member) is None:
                return f"Parameter '{name}' must match pattern {pattern}"
        allowed = declaration.get("AllowedValues")
        if allowed is not None and member not in [template_text(v) for v in allowed]:
            return f"Parameter '{name}' must be one of AllowedValues"
    return None


def validate(template: dict[str, Any], given: dict[str, Any]) -> None:
    """Raises CloudFormation's ValidationError for the first thing wrong with the parameters of a request."""
    declared = declared_parameters(template)
    unknown = [name for name in given if name not in declared]
    if unknown:
        raise ValidationError(message=f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    values = effective_values(template, given)
    missing = [name for name in declared if name not in values]
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] must have values")
    for name, value in values.items():
        declaration = declared[name]
        violation = _violation(name, declaration, value)
        if violation is not None:
            description = declaration.get("ConstraintDescription")
            # As CloudFormation does: the template's own description of the constraint replaces the reason.
            raise ValidationError(message=f"Parameter {name} failed to satisfy constraint: {description}" if description else violation)


def _refuse_update(stack: Stack) -> None:
    if stack.status not in UPDATABLE_STATUSES:
        raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")


_original_create_stack = CloudFormationBackend.create_stack
_original_create_change_set = CloudFormationBackend.create_change_set
_original_update_stack = CloudFormationBackend.update_stack


def _parsed(template: str | dict[str, Any]) -> dict[str, Any]:
    return template if isinstance(template, dict) else Stack.parse_template(template)


def _create_stack(self: CloudFormationBackend, name: str, template: str, parameters: dict[str, Any], *args: Any,
                  **kwargs: Any) -> Stack:
    parsed = _parsed(template)
    refuse_unresolved(parsed)
    validate(parsed, parameters)
    return _original_create_stack(self, name, template, parameters, *args, **kwargs)


def _create_change_set(self: CloudFormationBackend, stack_name: str, change_set_name: str, template: str,
                       parameters: dict[str, Any], *args: Any, **kwargs: Any) -> tuple[str, str]:
    change_set_type = kwargs.get("change_set_type", args[1] if len(args) > 1 else "CREATE")
    existing = live_stack(self, stack_name)
    if change_set_type == "UPDATE" and existing is not None:
        _refuse_update(existing)
    parsed = _parsed(template)
    refuse_unresolved(parsed)
    validate(parsed, parameters)
    return _original_create_change_set(self, stack_name, change_set_name, template, parameters, *args, **kwargs)


def _given_in_update(stack: Stack, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """The values an UpdateStack gives, a UsePreviousValue read as the value the stack uses: the one it was given, or
    the default it took (moto looked only among the values given, and answered a 500 for one that took its default)."""
    previous = effective_values(stack.template_dict, stack.parameters)
    given = {}
    for parameter in parameters:
        key = parameter["ParameterKey"]
        if parameter.get("UsePreviousValue"):
            if key not in previous:
                raise ValidationError(message=f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template")
            given[key] = previous[key]
        else:
            given[key] = parameter.get("ParameterValue")
    return given


def _update_stack(self: CloudFormationBackend, name: str, template: str, role_arn: str | None,
                  parameters: list[dict[str, Any]], tags: dict[str, str] | None) -> Stack:
    stack = self.get_stack(name)
    _refuse_update(stack)
    given = _given_in_update(stack, parameters)
    parsed = _parsed(template)
    refuse_unresolved(parsed)
    validate(parsed, given)
    sent = [{"ParameterKey": key, "ParameterValue": value} for key, value in given.items()]
    return _original_update_stack(self, name, template, role_arn, sent, tags)


def _previous_values_read(create_change_set: Callable[[CloudFormationResponse], Any]) -> Callable[[CloudFormationResponse], Any]:
    """CreateChangeSet's response with an UPDATE's UsePreviousValue read as UpdateStack reads it (_given_in_update):
    moto's response took the stack's resolved value, a list for a CommaDelimitedList, which the change set then failed
    to split while it ran ('list' object has no attribute 'split', the stack rolled back), and answered a key the
    previous template lacks with a bare 500 that the CLI retried."""
    def respond(self: CloudFormationResponse) -> Any:
        parameters = self._get_param("Parameters") or []
        stack = live_stack(self.cloudformation_backend, self._get_param("StackName") or "")
        if self._get_param("ChangeSetType") == "UPDATE" and stack is not None and any(p.get("UsePreviousValue") for p in parameters):
            self.params["Parameters"] = [{"ParameterKey": key, "ParameterValue": value}
                                         for key, value in _given_in_update(stack, parameters).items()]
        return create_change_set(self)
    return respond


def _previous_keys_checked(update_stack: Callable[[CloudFormationResponse], Any]) -> Callable[[CloudFormationResponse], Any]:
    """UpdateStack's response that refuses a UsePreviousValue for a key the previous template lacks as _given_in_update
    does, before moto's response looks the key up itself and answers "Missing parameter <key>". A parameter sent with
    both a value and UsePreviousValue is left to moto's response, which refuses that in CloudFormation's words."""
    def respond(self: CloudFormationResponse) -> Any:
        parameters = self._get_param("Parameters") or []
        stack = live_stack(self.cloudformation_backend, self._get_param("StackName") or "")
        if stack is not None and not any(p.get("UsePreviousValue") and p.get("ParameterValue") for p in parameters):
            _given_in_update(stack, parameters)
        return update_stack(self)
    return respond


def _inputs_replaced(update: Callable[..., None]) -> Callable[..., None]:
    """ResourceMap.update (as the other modules have patched it) that takes the parameters it is given as the stack's
    inputs, none included: moto kept the previous inputs when an update sent no parameter (its `if parameters:`), so
    that every parameter kept its previous value, where CloudFormation gives each one left out its default, while the
    change set listed the resources the defaults change and the stack said UPDATE_COMPLETE."""
    def run(self: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        if parameters is not None:
            self.input_parameters = dict(parameters)
        update(self, template, parameters)
    return run


def _parameters_recorded(update: Callable[..., None]) -> Callable[..., None]:
    """Stack.update (as the other modules have patched it) that records the parameters of an update that sent none
    (moto kept the earlier ones, which UsePreviousValue then read)."""
    def run(self: Stack, template: str, role_arn: str | None = None, parameters: dict[str, Any] | None = None,
            tags: dict[str, str] | None = None) -> None:
        update(self, template, role_arn, parameters=parameters, tags=tags)
        if parameters is not None and self.status == "UPDATE_COMPLETE":
            self.parameters = parameters
    return run


def _has_parameters(self: Stack, other_parameters: dict[str, Any]) -> bool:
    return effective_values(self.template_dict, self.parameters) == effective_values(self.template_dict, other_parameters)


_original_parse_condition = parsing.parse_condition
_SCALARS = (str, int, float, bool)


def _parse_condition(condition: dict[str, Any] | bool, resources_map: Any, condition_map: dict[str, Any]) -> bool:
    """moto's evaluation of a Condition, with `Fn::Equals` of two values compared as CloudFormation compares them: as
    text, exactly (the same comparison as the kit's own in an update, cloudformation_updates.py)."""
    arguments = condition.get("Fn::Equals") if isinstance(condition, dict) and len(condition) == 1 else None
    if isinstance(arguments, list) and len(arguments) == 2:
        left, right = (parsing.clean_json(argument, resources_map) for argument in arguments)
        if isinstance(left, _SCALARS) and isinstance(right, _SCALARS):
            return template_text(left) == template_text(right)
    return _original_parse_condition(condition, resources_map, condition_map)


_original_load_parameters = ResourceMap.load_parameters


def _load_parameters(self: ResourceMap) -> None:
    """moto's parameter values, with a boolean Default as its text (a value sent is text already)."""
    _original_load_parameters(self)
    for name, value in self.resolved_parameters.items():
        if isinstance(value, bool):
            self.resolved_parameters[name] = self._parsed_resources[name] = template_text(value)


def install() -> None:
    ResourceMap.load_parameters = _load_parameters  # type: ignore[method-assign]
    parsing.parse_condition = _parse_condition  # type: ignore[assignment]
    CloudFormationBackend.create_stack = _create_stack  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = _create_change_set  # type: ignore[method-assign]
    CloudFormationBackend.update_stack = _update_stack  # type: ignore[method-assign]
    Stack.has_parameters = _has_parameters  # type: ignore[method-assign]
    CloudFormationResponse.update_stack = _previous_keys_checked(CloudFormationResponse.update_stack)  # type: ignore[method-assign]
    # (before cloudformation_change_set_type, whose default ChangeSetType this reads)
    CloudFormationResponse.create_change_set = _previous_values_read(CloudFormationResponse.create_change_set)  # type: ignore[method-assign]
    # (after cloudformation.install, whose updates these wrap)
    ResourceMap.update = _inputs_replaced(ResourceMap.update)  # type: ignore[method-assign]
    Stack.update = _parameters_recorded(Stack.update)  # type: ignore[method-assign]
