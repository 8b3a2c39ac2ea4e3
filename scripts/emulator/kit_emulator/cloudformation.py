"""CloudFormation in the emulator, faithful to what backup-kit's template asks for.

moto applies only BucketEncryption and Tags of an AWS::S3::Bucket, has no AWS::SNS::Subscription,
AWS::SNS::TopicPolicy, AWS::S3::BucketPolicy, AWS::Lambda::EventInvokeConfig or AWS::CloudWatch::Alarm, skips unknown
types with a warning, reports no resource events and leaves a stack IN_PROGRESS when a resource fails. Here:
- the missing types and bucket properties are applied for real;
- a resource type (or bucket property) the emulator cannot honour fails the deploy and names it, unless a
  template Condition leaves the resource out;
- every resource reports IN_PROGRESS / COMPLETE / FAILED events, and a failed create rolls back: the
  resource that failed names the cause, the ones that needed it say they were cancelled;
- a failed update rolls back, as CloudFormation's does: what it changed is updated back (moto left the stack half
  updated, and the emulator called it UPDATE_ROLLBACK_FAILED, which only a destroy ended);
- a stack whose create failed stays describable and deletable: moto creates resources lazily when anything
  reads them, so describing a rolled-back stack evaluated its outputs and created its resources again (a
  failure there answered DescribeStacks with another service's JSON error); here a stack's resources are
  created only while the stack is being created or updated, and a rolled-back stack has no outputs;
- a stack's resources are deleted each once nothing left depends on it, each delete reported by its events, and a
  delete that fails (a bucket that still holds objects, as on AWS) leaves the stack in DELETE_FAILED with the
  resources that failed and why, instead of dropping its record, and keeps what the failed resource depends on;
- an executed change set refreshes the stack's outputs from the template it brought and records its parameters.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack, cloudformation_backends
from moto.cloudformation.parsing import OutputMap, ResourceMap
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import InvalidArgumentError
from moto.s3.models import FakeBucket, s3_backends
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from .cloudformation_change_set_scope import change_set_named
from .s3_invoke_permission import destination
from .s3_notification_filters import stored_name
from .s3_notification_overlap import ambiguity


class UnsupportedByEmulator(Exception):
    """A template asks for something the embedded emulator cannot honour."""


class AlreadyExists(Exception):
    """A resource CloudFormation does not create over one that exists already (its HandlerErrorCode AlreadyExists)."""


def _s3(account_id: str, region_name: str) -> Any:
    return s3_backends[account_id][get_partition(region_name)]


# ---------------------------------------------------------------------------------------------- S3 buckets

HANDLED_BUCKET_PROPERTIES = {
    "BucketName",
    "BucketEncryption",
    "Tags",
    "VersioningConfiguration",
    "PublicAccessBlockConfiguration",
    "OwnershipControls",
    "LifecycleConfiguration",
    "NotificationConfiguration",
}


def _filter_rules(cfn_filter: dict[str, Any] | None) -> dict[str, Any] | None:
    if not cfn_filter:
        return None
    rules = cfn_filter.get("S3Key", {}).get("Rules", [])
    return {"S3Key": {"FilterRule": [{"Name": stored_name(r["Name"]), "Value": r["Value"]} for r in rules]}}


def _notification_config(cfn: dict[str, Any], bucket_name: str, account_id: str) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for cfn_key, api_key, target_key, arn_key in (
        ("LambdaConfigurations", "CloudFunctionConfiguration", "CloudFunction", "Function"),
        ("QueueConfigurations", "QueueConfiguration", "Queue", "Queue"),
        ("TopicConfigurations", "TopicConfiguration", "Topic", "Topic"),
    ):
        entries = []
        for entry in cfn.get(cfn_key, []):
            if api_key == "CloudFunctionConfiguration":
                # S3 validates the destination when the notification is configured, as AWS does: the function
                # exists, and its policy lets S3 invoke it for this bucket.
                refusal = destination(account_id, bucket_name, entry[arn_key])[1]
                if refusal is not None:
                    raise UnsupportedByEmulator(
                        f"Unable to validate the following destination configurations: {entry[arn_key]} ({refusal}: add an"
                        " AWS::Lambda::Permission for s3.amazonaws.com, and make the bucket DependsOn it)"
                    )
            item = {target_key: entry[arn_key], "Event": [entry["Event"]]}
            rules = _filter_rules(entry.get("Filter"))
            if rules:
                item["Filter"] = rules
            entries.append(item)
        if entries:
            config[api_key] = entries
    overlap = ambiguity(config)
    if overlap:
        raise InvalidArgumentError(overlap, "null", "null")
    if cfn.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled"):
        config["EventBridgeConfiguration"] = {}
    return config


def _lifecycle_rules(cfn_rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rules = []
    for cfn in cfn_rules:
        rule: dict[str, Any] = {"ID": cfn.get("Id", ""), "Status": cfn["Status"], "Filter": {"Prefix": cfn.get("Prefix", "")}}
        if "AbortIncompleteMultipartUpload" in cfn:
            rule["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": int(cfn["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            }
        if "NoncurrentVersionExpiration" in cfn:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(cfn["NoncurrentVersionExpiration"]["NoncurrentDays"])}
        if "NoncurrentVersionExpirationInDays" in cfn:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(cfn["NoncurrentVersionExpirationInDays"])}
        if "ExpirationInDays" in cfn:
            rule["Expiration"] = {"Days": int(cfn["ExpirationInDays"])}
        rules.append(rule)
    return rules


def _reject_unhandled_bucket_properties(properties: dict[str, Any]) -> None:
    unknown = sorted(set(properties) - HANDLED_BUCKET_PROPERTIES)
    if unknown:
        raise UnsupportedByEmulator(f"AWS::S3::Bucket properties not emulated by the embedded emulator: {', '.join(unknown)}")


def _apply_bucket_properties(bucket: FakeBucket, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    backend = _s3(account_id, region_name)
    name = bucket.name

    status = properties.get("VersioningConfiguration", {}).get("Status")
    if status:
        backend.put_bucket_versioning(name, status)
    elif bucket.versioning_status == "Enabled":
        backend.put_bucket_versioning(name, "Suspended")

    block = properties.get("PublicAccessBlockConfiguration")
    if block:
        backend.put_public_access_block(name, {k: bool(v) for k, v in block.items()})
    else:
        bucket.public_access_block = None

    rules = properties.get("OwnershipControls", {}).get("Rules", [])
    bucket.ownership_rule = rules[0]["ObjectOwnership"] if rules else None

    lifecycle = properties.get("LifecycleConfiguration", {}).get("Rules", [])
    if lifecycle:
        backend.put_bucket_lifecycle(name, _lifecycle_rules([r for r in lifecycle if r]))
    else:
        bucket.rules = []

    bucket.set_notification_configuration(
        _notification_config(properties.get("NotificationConfiguration", {}), name, account_id) or None
    )


class TemplateBucket(CloudFormationModel):
    """AWS::S3::Bucket with versioning, public access block, ownership, lifecycle and notifications applied."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::Bucket"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "BucketName"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return FakeBucket.has_cfn_attr(attr)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> FakeBucket:
        properties = cloudformation_json.get("Properties", {})
        _reject_unhandled_bucket_properties(properties)
        bucket = FakeBucket.create_from_cloudformation_json(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        try:
            _apply_bucket_properties(bucket, properties, account_id, region_name)
        except Exception:
            _s3(account_id, region_name).delete_bucket(bucket.name)
            raise
        return bucket

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: FakeBucket, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> FakeBucket:
        _reject_unhandled_bucket_properties(cloudformation_json.get("Properties", {}))
        bucket = FakeBucket.update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json,
                                                            account_id, region_name)
        _apply_bucket_properties(bucket, cloudformation_json.get("Properties", {}), account_id, region_name)
        return bucket

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> None:
        # moto skips a bucket that holds objects and reports success; CloudFormation's delete fails on it.
        bucket = _s3(account_id, region_name).buckets.get(resource_name)
        if bucket is not None and bucket.keys:
            every = " You must delete all versions in the bucket." if bucket.versioning_status else ""
            raise UnsupportedByEmulator(f"The bucket you tried to delete is not empty.{every} (bucket {resource_name})")
        FakeBucket.delete_from_cloudformation_json(resource_name, cloudformation_json, account_id, region_name)


# -------------------------------------------------------------------------------- the kit's resource types

class _Replaced:
    """What the bucket policy, subscription and alarm types below share: one physical id, and an update that deletes
    the resource and creates it anew. A mixin, not a CloudFormationModel: moto finds resource types among that class's direct
    subclasses, which `class X(_Replaced, CloudFormationModel)` stays."""

    def __init__(self, physical_id: str) -> None:
        self.physical_id = physical_id

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------------------- bucket policy

class TemplateBucketPolicy(_Replaced, CloudFormationModel):
    """AWS::S3::BucketPolicy: stored on the bucket and returned by GetBucketPolicy (see s3_policy.py for why
    the emulator does not evaluate it)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> TemplateBucketPolicy:
        properties = cloudformation_json["Properties"]
        bucket_name = properties["Bucket"]
        backend = _s3(account_id, region_name)
        # As on AWS, the resource does not take over a policy the bucket has already (one put on by hand).
        if bucket_name in backend.buckets and backend.buckets[bucket_name].policy:
            raise AlreadyExists(f"The bucket policy already exists on bucket {bucket_name}.")
        backend.put_bucket_policy(bucket_name, json.dumps(properties["PolicyDocument"]).encode())
        return cls(bucket_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _s3(account_id, region_name)
        if self.physical_id in backend.buckets:
            backend.delete_bucket_policy(self.physical_id)


# --------------------------------------------------------------------------------------- SNS subscription

class TemplateSubscription(_Replaced, CloudFormationModel):
    """AWS::SNS::Subscription for any protocol moto's SNS knows (sqs delivers; email is recorded)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> TemplateSubscription:
        properties = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        subscription = backend.subscribe(properties["TopicArn"], properties["Endpoint"], properties["Protocol"])
        for attribute in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"):
            if attribute in properties:
                value = properties[attribute]
                value = json.dumps(value) if isinstance(value, dict) else str(value).lower() if isinstance(value, bool) else str(value)
                backend.set_subscription_attributes(subscription.arn, attribute, value)
        return cls(subscription.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.physical_id)


# ---------------------------------------------------------------------------------------- SNS topic policy

class TemplateTopicPolicy(_Replaced, CloudFormationModel):
    """AWS::SNS::TopicPolicy (moto's CloudFormation has none): each topic's access policy, returned by
    GetTopicAttributes; deleted, the topics take SNS's default policy again, as on AWS. Like bucket policies, not
    evaluated (function_role_policy.py)."""

    def __init__(self, physical_id: str, topic_arns: list[str]) -> None:
        super().__init__(physical_id)
        self.topic_arns = topic_arns

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> TemplateTopicPolicy:
        properties = cloudformation_json["Properties"]
        topic_arns = [str(arn) for arn in properties["Topics"]]
        backend = sns_backends[account_id][region_name]
        for arn in topic_arns:
            backend.set_topic_attribute(arn, "policy", json.dumps(properties["PolicyDocument"]))
        return cls(resource_name, topic_arns)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = sns_backends[account_id][region_name]
        for arn in self.topic_arns:
            topic = backend.topics.get(arn)
            if topic is not None:  # a topic deleted since has no policy left to put back
                topic.policy = json.dumps(topic._create_default_topic_policy(region_name, account_id, topic.name))


# ---------------------------------------------------------------------------------- Lambda invoke config

class TemplateEventInvokeConfig(CloudFormationModel):
    """AWS::Lambda::EventInvokeConfig, honoured by the emulator's asynchronous invocations."""

    def __init__(self, function_name: str, qualifier: str) -> None:
        self.function_name = function_name
        self.qualifier = qualifier

    @property
    def physical_resource_id(self) -> str:
        return f"{self.function_name}:{self.qualifier}"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> TemplateEventInvokeConfig:
        properties = cloudformation_json["Properties"]
        qualifier = properties["Qualifier"]
        if qualifier != "$LATEST":
            raise UnsupportedByEmulator(f"AWS::Lambda::EventInvokeConfig Qualifier {qualifier}: the emulator runs $LATEST only")
        config: dict[str, Any] = {}
        for name in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if name in properties:
                config[name] = int(properties[name])
        if "DestinationConfig" in properties:
            config["DestinationConfig"] = properties["DestinationConfig"]
        backend = lambda_backend(account_id, region_name)
        function_name = properties["FunctionName"]
        fn = backend.get_function(function_name)
        backend.put_function_event_invoke_config(function_name, config)  # replaces the one in force, once it is allowed
        return cls(fn.function_name, qualifier)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: TemplateEventInvokeConfig, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> TemplateEventInvokeConfig:
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            lambda_backend(account_id, region_name).get_function(self.function_name).event_invoke_config = []
        except Exception:
            pass  # the function is gone, and its invoke config with it


# -------------------------------------------------------------------------------------------------- alarm

class TemplateAlarm(_Replaced, CloudFormationModel):
    """AWS::CloudWatch::Alarm (moto's CloudFormation has none): stored with moto's CloudWatch, so that DescribeAlarms
    shows it; moto evaluates no alarm, so it never fires here."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> TemplateAlarm:
        properties = cloudformation_json["Properties"]
        name = properties.get("AlarmName", resource_name)
        cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name,
            namespace=properties["Namespace"],
            metric_name=properties["MetricName"],
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=int(properties["Period"]),
            threshold=float(properties["Threshold"]),
            statistic=properties["Statistic"],
            description=properties.get("AlarmDescription", ""),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in properties.get("Dimensions", [])],
            alarm_actions=list(properties.get("AlarmActions", [])),
            treat_missing_data=properties.get("TreatMissingData"),
        )
        return cls(name)

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_id])


# ------------------------------------------------------------------------ loud failures and stack events

_original_resource_class_from_type = parsing.resource_class_from_type
_original_parse_and_create = parsing.parse_and_create_resource
_original_parse_and_update = parsing.parse_and_update_resource


def emulates(resource_type: str) -> bool:
    """Whether the embedded emulator can create a resource of this type."""
    return _original_resource_class_from_type(resource_type) is not None or resource_type in parsing.NULL_MODELS


def _strict_resource_class_from_type(resource_type: str) -> Any:
    resource_class = _original_resource_class_from_type(resource_type)
    if not emulates(resource_type):
        raise UnsupportedByEmulator(
            f"resource type {resource_type} is not supported by the embedded emulator "
            "(leave it out with a template Condition on this target, or deploy to localstack or aws)"
        )
    return resource_class


def _stack_for(resources_map: Any) -> Stack | None:
    backend = cloudformation_backends[resources_map._account_id][resources_map._region_name]
    return backend.stacks.get(resources_map.stack_id)


def _resource_event(stack: Stack | None, logical_id: str, resource_type: str, status: str, reason: str | None = None,
                    physical_id: str = "") -> None:
    if stack is None:
        return
    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                              physical_resource_id=physical_id, resource_type=resource_type, resource_status=status,
                              resource_status_reason=reason, resource_properties=None))


def reason_of(error: Exception) -> str:
    """An error as CloudFormation's events tell it: the service's error code and message, not an HTTP dump."""
    code, message = getattr(error, "error_type", None) or getattr(error, "code", None), getattr(error, "message", None)
    if isinstance(code, str) and isinstance(message, str):
        return f"{code.split('#')[-1]}: {message}"
    return str(error)


def _physical_id(resource: Any) -> str:
    try:
        return str(resource.physical_resource_id)
    except Exception:
        return ""


# AWS::Lambda::Function properties the executor honours (Architectures: a Node.js function runs alike on either;
# KmsKeyArn only encrypts the environment at rest). Any other (ReservedConcurrentExecutions, Layers, LoggingConfig,
# EphemeralStorage, DeadLetterConfig, VpcConfig …) would be stored and ignored, and a function that depends on it
# would pass here and fail on AWS.
HANDLED_FUNCTION_PROPERTIES = {
    "Architectures", "Code", "Description", "Environment", "FunctionName", "Handler", "KmsKeyArn", "MemorySize",
    "PackageType", "Role", "Runtime", "Tags", "Timeout",
}


def _reject_unhandled_function_properties(properties: dict[str, Any]) -> None:
    unknown = sorted(set(properties) - HANDLED_FUNCTION_PROPERTIES)
    if properties.get("PackageType", "Zip") != "Zip":
        unknown.append(f"PackageType {properties['PackageType']}")
    if unknown:
        raise UnsupportedByEmulator(f"AWS::Lambda::Function properties not emulated by the embedded emulator: {', '.join(unknown)}")


def _reject_unhandled(resource_json: dict[str, Any]) -> None:
    if resource_json.get("Type") == "AWS::Lambda::Function":
        _reject_unhandled_function_properties(resource_json.get("Properties", {}))


def _create_with_events(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
                        region_name: str) -> Any:
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    stack = _stack_for(resources_map)
    resource_type = resource_json["Type"]
    _resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    try:
        _reject_unhandled(resource_json)
        resource = _original_parse_and_create(logical_id, resource_json, resources_map, account_id, region_name)
    except Exception as error:
        # A resource that needed a failed one fails with it: only the first names the cause, as on AWS.
        failed_first = getattr(error, "kit_failed_resource", None)
        if failed_first is None:
            try:
                error.kit_failed_resource = logical_id  # type: ignore[attr-defined]
            except AttributeError:
                pass  # an exception that takes no attributes is reported as the cause by every resource
        reason = reason_of(error) if failed_first is None else "Resource creation cancelled"
        _resource_event(stack, logical_id, resource_type, "CREATE_FAILED", reason)
        raise
    _resource_event(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id=_physical_id(resource))
    return resource


def _failed_in_this_update(resources_map: Any) -> dict[str, str]:
    """The resources whose change (an update or a removal) failed in this update, with why: moto tries a failed change
    again up to four times (for dependencies not yet changed), which reported the failure four times, as if four things
    had failed. _resource_map_update starts each update with none."""
    return resources_map.__dict__.setdefault("kit_failed_updates", {})


def change_started(resources_map: Any, logical_id: str, resource_type: str, status: str) -> None:
    """A resource's change begins (UPDATE_IN_PROGRESS, DELETE_IN_PROGRESS): reported once, not again for a retry."""
    if logical_id not in _failed_in_this_update(resources_map):
        _resource_event(_stack_for(resources_map), logical_id, resource_type, status)


def change_failed(resources_map: Any, logical_id: str, resource_type: str, status: str, error: Exception) -> None:
    """A resource's change failed (UPDATE_FAILED, DELETE_FAILED): reported once for a cause that a retry meets again, and
    the error marked with the resource, which the rollback names."""
    failed = _failed_in_this_update(resources_map)
    try:
        error.kit_failed_resource = logical_id  # type: ignore[attr-defined]
    except AttributeError:
        pass  # an exception that takes no attributes: the rollback names its message instead
    if failed.get(logical_id) != reason_of(error):
        _resource_event(_stack_for(resources_map), logical_id, resource_type, status, reason_of(error))
    failed[logical_id] = reason_of(error)


def change_done(resources_map: Any, logical_id: str, resource_type: str, status: str, physical_id: str = "") -> None:
    """A resource's change succeeded (UPDATE_COMPLETE, DELETE_COMPLETE), a retry's too."""
    _failed_in_this_update(resources_map).pop(logical_id, None)
    _resource_event(_stack_for(resources_map), logical_id, resource_type, status, physical_id=physical_id)


def _update_with_events(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
                        region_name: str) -> Any:
    resource_type = resource_json["Type"]
    # A refusal stands for the rest of this update (_resource_map_update starts each with none), and is reported once.
    refused: dict[str, UnsupportedByEmulator] = resources_map.__dict__.setdefault("kit_refused_updates", {})
    if logical_id in refused:
        raise refused[logical_id]
    change_started(resources_map, logical_id, resource_type, "UPDATE_IN_PROGRESS")
    try:
        _reject_unhandled(resource_json)
        resource = _original_parse_and_update(logical_id, resource_json, resources_map, account_id, region_name)
        if resource is None:
            # moto has no update for this type and would drop the resource from the stack, outputs and all.
            raise UnsupportedByEmulator(f"the embedded emulator cannot update {resource_type} in place: destroy the stack and deploy again")
    except Exception as error:
        if isinstance(error, UnsupportedByEmulator):
            refused[logical_id] = error
        change_failed(resources_map, logical_id, resource_type, "UPDATE_FAILED", error)
        raise
    change_done(resources_map, logical_id, resource_type, "UPDATE_COMPLETE", physical_id=_physical_id(resource))
    return resource


_original_getitem = ResourceMap.__getitem__
_original_output = OutputMap.__getitem__
_original_resource_map_update = ResourceMap.update
_original_create_resources = Stack.create_resources
_original_stack_update = Stack.update
_original_execute_change_set = CloudFormationBackend.execute_change_set
_original_delete_stack = CloudFormationBackend.delete_stack


def _getitem(self: ResourceMap, key: str) -> Any:
    # Outside a create or an update, reading a resource that does not exist must not create it.
    if key not in self._parsed_resources and not getattr(self, "kit_building", False):
        if key not in self._resource_json_map:
            raise KeyError(key)
        return None
    return _original_getitem(self, key)


def _output(self: OutputMap, key: str) -> Any:
    # An output that names a resource that no longer exists is left out, instead of failing DescribeStacks.
    try:
        return _original_output(self, key)
    except ValidationError:
        if getattr(self._resource_map, "kit_building", False):
            raise
        return None


def _building(resource_map: ResourceMap, action: Any) -> Any:
    resource_map.kit_building = True  # type: ignore[attr-defined]
    try:
        return action()
    finally:
        resource_map.kit_building = False  # type: ignore[attr-defined]


def _resource_map_update(self: ResourceMap, *args: Any, **kwargs: Any) -> None:
    self.__dict__.pop("kit_refused_updates", None)
    self.__dict__.pop("kit_failed_updates", None)
    _building(self, lambda: _original_resource_map_update(self, *args, **kwargs))


def _end_in(stack: Stack, status: str, reason: str | None = None) -> None:
    """Sets a stack's final status, its StackStatusReason (what DescribeStacks shows) and the stack's event."""
    stack.status = status
    stack.status_reason = reason  # type: ignore[attr-defined]
    stack._add_stack_event(status, resource_status_reason=reason)


def _roll_back_create(stack: Stack, error: Exception) -> None:
    """As CloudFormation does after a failed create: report the failure, roll back what was created, and keep the
    stack's record, without outputs (they would name resources that no longer exist)."""
    failed = getattr(error, "kit_failed_resource", None)
    cause = f"[{failed}]" if failed else f"({reason_of(error)})"
    reason = f"The following resource(s) failed to create: {cause}. Rollback requested by user."
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)
    try:
        stack.resource_map.delete()
    except Exception as rollback_error:
        _end_in(stack, "ROLLBACK_FAILED", f"The following resource(s) failed to delete during the rollback: {_deletes_reason(rollback_error)}")
        return
    _end_in(stack, "ROLLBACK_COMPLETE", reason)


def _create_resources(self: Stack) -> None:
    try:
        _building(self.resource_map, lambda: _original_create_resources(self))
    except Exception as error:
        _roll_back_create(self, error)


def sub_parts(sub: Any) -> tuple[str, Any]:
    """An Fn::Sub's text and its variable map (None in the short form)."""
    text = sub[0] if isinstance(sub, list) and sub else sub
    return (text if isinstance(text, str) else ""), (sub[1] if isinstance(sub, list) and len(sub) > 1 else None)


def sub_names(text: str, variables: Any) -> list[str]:
    """The ${Name} and ${Name.Attr} of an Fn::Sub's text, without the names its own variable map gives a value
    (they are the Fn::Sub's, not the template's) or ${!Literal}."""
    local = set(variables) if isinstance(variables, dict) else set()
    return [name for name in re.findall(r"\$\{([^}!]+)\}", text) if name.split(".")[0] not in local]


def references_in(node: Any, *, resource_level: bool = True) -> set[str]:
    """The names a template node refers to, parameters and resources alike: Ref, Fn::GetAtt, the ${Name} and
    ${Name.Attr} of Fn::Sub (but not the names of its own variable map), and a resource's DependsOn (at its top
    level only: a property of that name is data)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, child in node.items():
            if key == "Ref" or (key == "DependsOn" and resource_level):
                named = [child] if isinstance(child, str) else child if isinstance(child, list) else []
                found.update(name for name in named if isinstance(name, str))
            elif key == "Fn::GetAtt":
                found.add(child[0] if isinstance(child, list) else str(child).split(".")[0])
            elif key == "Fn::Sub":
                text, variables = sub_parts(child)
                found.update(name.split(".")[0] for name in sub_names(text, variables))
                found |= references_in(variables, resource_level=False)
            else:
                found |= references_in(child, resource_level=False)
    elif isinstance(node, list):
        for item in node:
            found |= references_in(item, resource_level=False)
    return found


# The error code each service answers for a resource of its that is not there; any other error, even a "not found"
# of something else met while deleting (a bucket's missing policy), is a failure of the delete.
_GONE_BY_SERVICE = {
    "AWS::S3::": re.compile(r"^NoSuchBucket$"),
    "AWS::SQS::": re.compile(r"NonExistentQueue|QueueDoesNotExist"),
    "AWS::IAM::": re.compile(r"^NoSuchEntity$"),
    "AWS::Lambda::": re.compile(r"^ResourceNotFoundException$"),
    "AWS::Logs::": re.compile(r"^ResourceNotFoundException$"),
    "AWS::SNS::": re.compile(r"^NotFound$"),
}


def _already_gone(error: Exception, resource_type: str) -> bool:
    """Whether a delete failed only because the resource was deleted already (outside CloudFormation): a resource's
    delete handler answers NotFound then (CloudFormation's handler contract), which a stack's delete counts as done."""
    code = getattr(error, "error_type", None) or getattr(error, "code", None)
    gone = next((pattern for prefix, pattern in _GONE_BY_SERVICE.items() if resource_type.startswith(prefix)), None)
    return gone is not None and isinstance(code, str) and bool(gone.search(code.split("#")[-1]))


def _delete_in_dependency_order(self: ResourceMap) -> None:
    """Deletes a stack's resources as CloudFormation does: each only once nothing left depends on it, so that a
    resource that fails to delete (a bucket that holds objects) keeps what it depends on; Retain resources stay.
    moto tried every resource in any order and deleted, say, the function a failed inbox bucket still notifies."""
    names = set(self._resource_json_map)
    depends = {name: references_in(resource) & names - {name} for name, resource in self._resource_json_map.items()}
    remaining = {name for name, resource in self._resource_json_map.items()
                 if resource.get("DeletionPolicy") != "Retain" and self._parsed_resources.get(name) is not None
                 and not isinstance(self._parsed_resources[name], str)}
    failures: list[Exception] = []
    blocked: set[str] = set()
    # Each resource's delete is reported as CloudFormation reports it: which one failed, and why, is what the owner acts on.
    # (moto takes a stack it deletes out of the backend's stacks first: _delete_stack names it here.)
    stack = getattr(self, "kit_deleted_stack", None) or _stack_for(self)
    while remaining:
        # A resource waits while one that depends on it is still to be deleted, or failed to be.
        ready = sorted(name for name in remaining if not any(name in depends[other] for other in (remaining | blocked) - {name}))
        if not ready:
            break
        for name in ready:
            remaining.discard(name)
            resource_type = str(self._resource_json_map[name].get("Type", ""))
            _resource_event(stack, name, resource_type, "DELETE_IN_PROGRESS")
            try:
                self._delete_resource(self._parsed_resources[name], self._resource_json_map[name])
            except Exception as error:
                if not _already_gone(error, resource_type):
                    _resource_event(stack, name, resource_type, "DELETE_FAILED", reason_of(error))
                    failures.append(error)
                    blocked.add(name)
                    continue
            _resource_event(stack, name, resource_type, "DELETE_COMPLETE")
            self._parsed_resources.pop(name)
    if failures:
        raise _FailedDeletes(sorted(blocked), failures[0])


class _FailedDeletes(Exception):
    """The resources a stack's delete (or a create's rollback) could not delete, named as CloudFormation names them in
    the stack's reason, followed by the first one's cause (the kit's verbs show the stack's reason alone)."""

    def __init__(self, names: list[str], first: Exception) -> None:
        super().__init__(f"[{', '.join(names)}]. {reason_of(first)}")


def _deletes_reason(error: Exception) -> str:
    return str(error) if isinstance(error, _FailedDeletes) else reason_of(error)


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.stack_id, s.name)), None)
    if stack is not None:
        stack.resource_map.kit_deleted_stack = stack  # type: ignore[attr-defined]
    try:
        _original_delete_stack(self, name_or_stack_id)
    except Exception as error:
        if stack is None:
            raise
        # moto drops the stack's record before deleting its resources; CloudFormation keeps it, DELETE_FAILED.
        self.stacks[stack.stack_id] = stack
        _end_in(stack, "DELETE_FAILED", f"The following resource(s) failed to delete: {_deletes_reason(error)}")
        return
    # (moto deletes by name through a nested delete by id, which has already dealt with a failure)
    if stack is not None and stack.stack_id not in self.stacks:
        stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)


class _Before:
    """What a stack was before an update began: what a rollback of the update puts back."""

    def __init__(self, stack: Stack) -> None:
        stack.status_reason = None  # type: ignore[attr-defined]  # (an earlier failure's, no longer the stack's)
        self.template = stack.template
        # A deep copy: moto's resource types write into the template's properties while they create or update.
        self.template_dict = copy.deepcopy(stack.resource_map._template)
        self.input_parameters = dict(stack.resource_map.input_parameters)
        self.parameters = stack.parameters
        # The resources the stack had, in the order they were made: an update that failed while it removed some has
        # changed no template, so the rollback's own diff finds nothing to put back.
        resources = stack.resource_map._resource_json_map
        self.resources = [name for name, resource in stack.resource_map._parsed_resources.items() if name in resources and resource is not None]


def _roll_back_update(stack: Stack, error: Exception, before: _Before) -> None:
    """As CloudFormation does after a failed update: every resource the update changed is updated back to the template
    and parameters before it, and the stack ends in UPDATE_ROLLBACK_COMPLETE, as usable as before. A resource that
    cannot be put back either (deleted outside CloudFormation) leaves it in UPDATE_ROLLBACK_FAILED, naming why."""
    failed = getattr(error, "kit_failed_resource", None)
    cause = f"[{failed}]" if failed else f"({reason_of(error)})"
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=f"The following resource(s) failed to update: {cause}.")
    resource_map = stack.resource_map
    # moto keeps the parameters of the failed update when the ones put back are none (a template without parameters).
    resource_map.input_parameters = dict(before.input_parameters)
    try:
        resource_map.update(before.template_dict, before.input_parameters)
        # Created again (moto's lazy map creates a resource it is asked for), each with its events.
        _building(resource_map, lambda: [resource_map[name] for name in before.resources if name not in resource_map._parsed_resources])
    except Exception as rollback_error:
        stuck = getattr(rollback_error, "kit_failed_resource", None)
        what = f"could not put {stuck} back" if stuck else "failed"
        _end_in(stack, "UPDATE_ROLLBACK_FAILED", f"update failed, and its rollback {what}: {reason_of(rollback_error)}")
        return
    stack.template = before.template
    stack._parse_template()
    stack.parameters = before.parameters
    stack.output_map = stack._create_output_map()
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    _end_in(stack, "UPDATE_ROLLBACK_COMPLETE")


def _stack_update(self: Stack, *args: Any, **kwargs: Any) -> None:
    before = _Before(self)
    try:
        _original_stack_update(self, *args, **kwargs)
    except Exception as error:
        _roll_back_update(self, error, before)


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatusException"


# moto found a change set by its name in any stack (see cloudformation_change_set_scope.py), and answered a missing one
# with DescribeChangeSet's "Stack with id <change set> does not exist", DeleteChangeSet's and ExecuteChangeSet's bare 500.
def _describe_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> Any:
    return change_set_named(self, change_set_name, stack_name)


def _delete_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
    del self.change_sets[change_set_named(self, change_set_name, stack_name).change_set_id]


def _execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = change_set_named(self, change_set_name, stack_name)
    # moto executed any change set it found, a failed or an executed one too, and kept the others of the stack, which
    # then applied what they were made against: a deploy beside another undid it with a change set made before it.
    if change_set.execution_status != "AVAILABLE":
        current = change_set.status if change_set.status == "FAILED" else change_set.execution_status
        raise InvalidChangeSetStatus(f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of [{current}]")
    # As CloudFormation does when it executes one: the stack's other change sets are no longer valid for it.
    for other in [key for key, cs in self.change_sets.items() if cs.stack_id == change_set.stack_id and cs is not change_set]:
        del self.change_sets[other]
    updated = self.stacks.get(change_set.stack_id) if change_set.change_set_type != "CREATE" else None
    before = _Before(updated) if updated is not None else None
    try:
        # By its ARN: moto's own look-up by name would take the last change set of that name in any stack.
        _original_execute_change_set(self, change_set.change_set_id, stack_name)
    except Exception as error:
        change_set.execution_status = "EXECUTE_FAILED"
        stack = self.stacks[change_set.stack_id]
        # A change set that creates its stack (aws cloudformation deploy, SAM, CDK) rolls back as CreateStack does.
        if before is None:
            _roll_back_create(stack, error)
        else:
            _roll_back_update(stack, error, before)
        return
    stack = self.stacks[change_set.stack_id]
    # moto sets the change set's template as the stack's but keeps the earlier one parsed, which outputs read.
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    # moto records the parameters of CreateStack and UpdateStack only; a change set's are now the stack's.
    stack.parameters = change_set.parameters


def install() -> None:
    parsing.resource_class_from_type = _strict_resource_class_from_type
    parsing.parse_and_create_resource = _create_with_events
    parsing.parse_and_update_resource = _update_with_events
    ResourceMap.__getitem__ = _getitem  # type: ignore[method-assign]
    OutputMap.__getitem__ = _output  # type: ignore[method-assign]
    ResourceMap.update = _resource_map_update  # type: ignore[method-assign]
    ResourceMap.delete = _delete_in_dependency_order  # type: ignore[method-assign]
    Stack.create_resources = _create_resources  # type: ignore[method-assign]
    Stack.update = _stack_update  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = _execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.describe_change_set = _describe_change_set  # type: ignore[method-assign]
    CloudFormationBackend.delete_change_set = _delete_change_set  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = _delete_stack  # type: ignore[method-assign]
    # Our models are direct subclasses of CloudFormationModel defined after moto's: they win the type map.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
