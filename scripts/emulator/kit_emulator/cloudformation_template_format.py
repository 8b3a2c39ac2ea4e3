"""A template body that cannot be read refused as CloudFormation refuses it: a ValidationError "Template format error: …".

moto reads a body as YAML and, when that fails, as JSON, and let JSON's error through: a tab-indented or unclosed YAML
template, a JSON one with a stray comma, two YAML documents, or a body that is text or a list rather than a mapping,
answered CreateStack, CreateChangeSet, UpdateStack and GetTemplateSummary with a bare HTTP 500, which the aws CLI and
the SDKs take for a server fault and retry (the CLI four times, some ten seconds) before they show "Internal Server
Error", naming nothing. CloudFormation answers "Template format error: YAML not well-formed. (line 3, column 1)" (JSON
for a body that opens with `{`) and "Template format error: unsupported structure." for a body that is not a mapping.
A body that moto can read, as YAML or as JSON, is left to it. (ValidateTemplate answers cfn-lint's words for such a
body: cloudformation_validate.py.) The same holds for a body read from a TemplateURL. A TemplateBody longer than
CloudFormation's 51,200 bytes is refused as CloudFormation refuses it (moto took any length: a template grown past
it deployed on the emulator and failed first on AWS), as is a template at a URL longer than its 1 MB.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse


def _where(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def format_error(body: str) -> str | None:
    """What CloudFormation says of a template body it cannot read, or None for one it can."""
    try:
        # The node tree alone: a tag (!Ref, !Sub …) needs no constructor to be well-formed.
        root = yaml.compose(body, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as yaml_error:
        if not body.lstrip().startswith("{"):
            return f"YAML not well-formed.{_where(yaml_error)}"
        try:
            root_value = json.loads(body)
        except json.JSONDecodeError as json_error:
            return f"JSON not well-formed. (line {json_error.lineno}, column {json_error.colno})"
        return None if isinstance(root_value, dict) else "unsupported structure."
    return None if isinstance(root, yaml.MappingNode) else "unsupported structure."


#: The longest TemplateBody CloudFormation takes, in bytes; a longer template goes through a TemplateURL (up to 1 MB).
MAX_BODY_BYTES = 51_200
MAX_URL_TEMPLATE_BYTES = 1_000_000


def _refusing_unreadable(respond: Callable[[CloudFormationResponse], Any]) -> Callable[[CloudFormationResponse], Any]:
    def refuse_or_respond(self: CloudFormationResponse) -> Any:
        body = self._get_param("TemplateBody")
        if body and len(body.encode()) > MAX_BODY_BYTES:
            raise ValidationError(message=f"1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to {MAX_BODY_BYTES}")
        if not body and self._get_param("TemplateURL"):
            # The URL's body is read here first (cloudformation_template_url.py refuses a URL or an object it cannot read).
            body = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
            if len(body.encode()) > MAX_URL_TEMPLATE_BYTES:
                raise ValidationError(message=f"Template may not exceed {MAX_URL_TEMPLATE_BYTES} bytes in size.")
        problem = format_error(body) if body else None
        if problem is not None:
            raise ValidationError(message=f"Template format error: {problem}")
        return respond(self)
    return refuse_or_respond


def install() -> None:
    """Installed after cloudformation_change_set_type, whose CreateChangeSet it wraps."""
    for action in ("create_stack", "create_change_set", "update_stack", "get_template_summary"):
        setattr(CloudFormationResponse, action, _refusing_unreadable(getattr(CloudFormationResponse, action)))
