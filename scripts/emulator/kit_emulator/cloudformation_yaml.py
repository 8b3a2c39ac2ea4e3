"""A YAML template's short form `!Condition Name` read as CloudFormation reads it: `{"Condition": "Name"}`.

moto's YAML loader turns every short form `!X` into `Fn::X`, so that `!Condition IsA` became `{"Fn::Condition": "IsA"}`,
which neither moto's evaluation nor the kit's knows: a Condition such as `!And [!Condition IsA, …]` was false at
create (its resources left out, the stack CREATE_COMPLETE), and an update that evaluated it failed its change set
("condition function Fn::Condition is not supported"). The kit's own template reader (scripts/lib/template.ts) reads
it as CloudFormation does.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import models, responses, utils

_original_constructor = utils.yaml_tag_constructor


def _yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
    if tag == "!Condition":
        return {"Condition": loader.construct_scalar(node)}
    return _original_constructor(loader, tag, node)


def install() -> None:
    # moto registers its constructor again before each parse, by the name each module imported.
    for module in (utils, models, responses):
        module.yaml_tag_constructor = _yaml_tag_constructor  # type: ignore[attr-defined]
