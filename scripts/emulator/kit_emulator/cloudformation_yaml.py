"""A YAML template read as CloudFormation reads it.

- The short form `!Condition Name` is `{"Condition": "Name"}`. moto's YAML loader turns every short form `!X` into
  `Fn::X`, so that `!Condition IsA` became `{"Fn::Condition": "IsA"}`, which neither moto's evaluation nor the kit's
  knows: a Condition such as `!And [!Condition IsA, …]` was false at create (its resources left out, the stack
  CREATE_COMPLETE), and an update that evaluated it failed its change set ("condition function Fn::Condition is not
  supported"). The kit's own template reader (scripts/lib/template.ts) reads it as CloudFormation does.
- A mapping's key is the text written: a parameter, resource, output or Condition named `On`, `Off`, `Yes`, `No`, `Y`
  or `N` (or `True`, `1` …) keeps that name, as in CloudFormation, whose template keys are names (a JSON template's
  are strings). moto's YAML 1.1 loader made them booleans (or numbers): `Yes` became a resource `True`, a `!Ref On`
  named a parameter the template lacked, and a stack with a boolean logical id failed its delete on a sort of mixed
  keys. A value keeps YAML 1.1's reading, as in CloudFormation: an unquoted `yes` is a boolean, which a parameter's
  Default or AllowedValues reads as the text "true" (cloudformation_parameters.py).
- So a `Mappings` entry is found by the text of what a `!FindInMap` names, as in CloudFormation: a key written `80` or
  `true` is the text "80" or "true" now, and `!FindInMap [Ports, 80, Name]` (or a Number parameter's Default) names the
  number 80, which moto looked up as it was and failed the resource (a JSON template's keys were text already).
"""

from __future__ import annotations

from typing import Any

import yaml
from moto.cloudformation import models, responses, utils
from moto.cloudformation.parsing import ResourceMap

from .cloudformation_parameters import template_text

_original_constructor = utils.yaml_tag_constructor


def _yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
    if tag == "!Condition":
        return {"Condition": loader.construct_scalar(node)}
    return _original_constructor(loader, tag, node)


def _mapping_with_text_keys(loader: yaml.Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A YAML mapping whose scalar keys are the text written, not YAML 1.1's booleans, numbers or null."""
    loader.flatten_mapping(node)
    return {
        key.value if isinstance(key, yaml.ScalarNode) else loader.construct_object(key, deep=True):
        loader.construct_object(value, deep=True)
        for key, value in node.value
    }


class _FoundByText(dict[Any, Any]):
    """A template mapping (or one of its entries), looked up by the text of the key asked for: a number or a boolean as
    CloudFormation writes it ("80", "true")."""

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(key if isinstance(key, str) else template_text(key))


def _found_by_text(value: Any) -> Any:
    return _FoundByText({key: _found_by_text(entry) for key, entry in value.items()}) if isinstance(value, dict) else value


_original_load_mapping = ResourceMap.load_mapping


def _load_mapping(self: ResourceMap) -> None:
    _original_load_mapping(self)
    for name in self._template.get("Mappings", {}):
        self._parsed_resources[name] = _found_by_text(self._parsed_resources[name])


def install() -> None:
    # moto registers its constructor again before each parse, by the name each module imported.
    for module in (utils, models, responses):
        module.yaml_tag_constructor = _yaml_tag_constructor  # type: ignore[attr-defined]
    # moto reads every template with yaml.Loader (CreateStack, CreateChangeSet, UpdateStack, GetTemplateSummary).
    yaml.Loader.add_constructor("tag:yaml.org,2002:map", _mapping_with_text_keys)
    ResourceMap.load_mapping = _load_mapping  # type: ignore[method-assign]
