"""A function configuration checked as Lambda checks it, which moto 5.2.5 does not: a CreateFunction or an
UpdateFunctionConfiguration (CloudFormation's included) that sets a Node.js runtime Lambda no longer creates or
updates functions with, a variable Lambda reserves, more than 4 KB of variables, a timeout outside 1-900 s or memory
outside 128-10,240 MB is refused with Lambda's answer, instead of being stored (a reserved variable then even
replaced the value the runtime sets, AWS_REGION or the credentials). A LoggingConfig, which the kit's runtime does not
honour, is refused by name, as the emulator's CloudFormation refuses it. Code that is not a zip (ZipFile, or the S3
object a function's Code names) is refused as Lambda refuses it, on create and on update: moto stored it, and every
invocation then failed in the emulator's unpacking (a bare 500, and each asynchronous event lost by the emulator,
neither retried nor parked), where on AWS the deploy fails.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.core.exceptions import JsonRESTError

# Lambda's "Defined runtime environment variables": set by the runtime, refused in a function's configuration.
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
VARIABLES_LIMIT_BYTES = 4096
# Node.js runtimes Lambda no longer creates or updates functions with: nodejs20.x since 2026-08-31 (its deprecation
# on 2026-04-30, and the block that follows), the older ones long before.
_NODE_RUNTIME = re.compile(r"^nodejs(\d+)(?:\.\d+)?(?:\.x)?$")
LAST_BLOCKED_NODE_MAJOR = 20
RANGES = {"Timeout": ("timeout", 1, 900), "MemorySize": ("memorySize", 128, 10240)}


class ValidationException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


def check_configuration(spec: dict[str, Any]) -> None:
    """Raises Lambda's answer to a configuration it refuses; `spec` holds what the request sets."""
    if spec.get("LoggingConfig"):
        # Lambda would log as JSON, or filter by level, or into another group: the kit's runtime writes text lines into
        # /aws/lambda/<name>, and a setting taken and ignored would only mislead (CloudFormation refuses it by name too).
        raise InvalidParameterValueException(
            "LoggingConfig is not emulated by the embedded emulator: its functions log text lines into /aws/lambda/<function>, "
            "whatever the format, levels or log group asked; leave LoggingConfig out here")
    runtime = str(spec.get("Runtime") or "")
    node = _NODE_RUNTIME.match(runtime)
    if runtime == "nodejs" or (node and int(node.group(1)) <= LAST_BLOCKED_NODE_MAJOR):
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. "
            "We recommend you use a supported runtime while creating or updating functions.")
    for key, (member, low, high) in RANGES.items():
        if key not in spec:
            continue
        value = int(spec[key])
        if not low <= value <= high:
            bound = f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
            raise ValidationException(f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value {bound}")
    variables = (spec.get("Environment") or {}).get("Variables") or {}
    reserved = [name for name in variables if name in RESERVED_VARIABLES]
    if reserved:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables you have provided "
            f"contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {', '.join(reserved)}")
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) > VARIABLES_LIMIT_BYTES:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables you have provided "
            f"exceeded the 4KB limit. String measured: {measured}")


#: What moto's LambdaFunction keeps of its code, restored when new code is refused.
_CODE_FIELDS = ("code", "code_bytes", "code_size", "code_sha_256", "code_digest")


def check_code(fn: LambdaFunction) -> None:
    """Raises Lambda's answer to code of a zip-packaged function that is not a zip."""
    if getattr(fn, "package_type", "Zip") == "Zip" and not zipfile.is_zipfile(io.BytesIO(fn.code_bytes or b"")):
        raise InvalidParameterValueException("Could not unzip uploaded file. Please check your file, then try to upload again.")


def variables_as_strings(spec: dict[str, Any]) -> None:
    """Lambda's variables are strings. moto's CloudFormation resolves a Number parameter to a number, where
    CloudFormation's Ref gives its string, so GetFunctionConfiguration answered COPY_CONCURRENCY as 8, not "8"."""
    variables = (spec.get("Environment") or {}).get("Variables")
    if variables:
        spec["Environment"]["Variables"] = {name: str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
                                            for name, value in variables.items()}


def install() -> None:
    create_function, update_function_configuration = LambdaBackend.create_function, LambdaBackend.update_function_configuration
    update_configuration = LambdaFunction.update_configuration

    def checked_create_function(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        check_configuration(spec)
        variables_as_strings(spec)
        return create_function(self, spec)

    def checked_update_function_configuration(self: LambdaBackend, function_name: str, qualifier: str, body: dict[str, Any]) -> Any:
        check_configuration(body)
        return update_function_configuration(self, function_name, qualifier, body)

    # A stack update reaches the function here, past the backend (moto's update_from_cloudformation_json), so it is
    # checked here too: unchecked, a template's retired runtime or reserved variable was applied by an update that
    # Lambda would refuse (the check before it, of UpdateFunctionConfiguration, passes again).
    def checked_update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> Any:
        check_configuration(config_updates)
        variables_as_strings(config_updates)
        return update_configuration(self, config_updates)

    set_function_code = LambdaFunction._set_function_code

    # Reached by CreateFunction, UpdateFunctionCode and CloudFormation alike; a refused update leaves the code in force.
    def checked_set_function_code(self: LambdaFunction, updated_spec: dict[str, Any]) -> None:
        before = {name: getattr(self, name) for name in _CODE_FIELDS if hasattr(self, name)}
        before["code"] = dict(before["code"]) if isinstance(before.get("code"), dict) else before.get("code")
        set_function_code(self, updated_spec)
        try:
            check_code(self)
        except InvalidParameterValueException:
            for name, value in before.items():
                setattr(self, name, value)
            raise

    LambdaFunction._set_function_code = checked_set_function_code  # type: ignore[method-assign]
    LambdaBackend.create_function = checked_create_function  # type: ignore[method-assign]
    LambdaBackend.update_function_configuration = checked_update_function_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = checked_update_configuration  # type: ignore[method-assign]
