"""A function's requests are allowed or refused by its execution role, as IAM decides them on AWS.

moto enforces no IAM by default, and its own enforcement is wrong for policies scoped to ARNs (aws-facts.md), so
a function with too few permissions worked here and failed on AWS. Here each execution environment gets session
credentials of its own (`credentials_for`), and a request signed with them is checked against the role's identity
policies (inline, attached managed policies, and the permissions boundary if set) before moto sees it:

- the IAM actions an operation needs, on the resources it names, as S3, SNS and SQS document them (`needs_of`):
  a copy needs the source's read as well as the destination's write, a version id needs the `…Version` action,
  a copy that carries the source's tags needs their read and write, ACL and Object Lock headers their own
  actions; an S3 request is judged by its method, path (decoded once, as moto reads it), query and headers,
  never by the operation name the client puts in `x-id`;
- a statement applies when its Action (or NotAction) and Resource (or NotResource) match, with `*` and `?` as
  wildcards (in an ARN a `*` stays inside its segment unless it ends one); an explicit Deny wins, and without
  an Allow the request is refused;
- a statement with a Condition is not evaluated, nor is a policy variable: an Allow with one allows nothing
  here, a Deny with one denies (the stricter reading of each; no request context is emulated);
- S3 answers a read of a missing key with 403 instead of 404 when s3:ListBucket is not allowed on its bucket;
- a request signed with Signature Version 2, and an operation whose needs the emulator does not know, are
  refused, naming why, rather than waved through.

async_invoke.py asks `refusal` too, for the asynchronous destinations: when they are configured, and when Lambda
sends a failed event to one.

Resource policies (bucket, topic and queue policies) are not evaluated (s3_policy.py says why for buckets), so
they neither add nor remove a function's permissions; everyone else's requests (scripts, tests) are not checked.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from xml.sax.saxutils import escape

from .request_log import credential_scope, form_parameters, operation_of, request_body, s3_header, s3_operation, s3_target, service_of

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Session:
    role_arn: str
    function_name: str

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def principal(self) -> str:
        """The caller as AWS names it in a refusal: the role assumed by Lambda, in a session named after the function."""
        role_path = self.role_arn.split(":", 5)[5]
        return f"arn:aws:sts::{self.account_id}:assumed-role/{role_path.rsplit('/', 1)[-1]}/{self.function_name}"


_sessions: dict[str, Session] = {}


def credentials_for(role_arn: str, function_name: str) -> dict[str, str]:
    """The environment variables of a function's session credentials for its role (stable for the pair)."""
    digest = hashlib.sha256(f"{role_arn}\0{function_name}".encode()).digest()
    access_key = "ASIA" + base64.b32encode(digest).decode()[:16]
    _sessions[access_key] = Session(role_arn, function_name)
    return {"AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": digest.hex()[:40], "AWS_SESSION_TOKEN": digest.hex()}


def _session_identity(session: Session) -> tuple[str, str, str]:
    """STS's GetCallerIdentity for a function's session (user id, ARN, account): its role, assumed in a session named
    after the function."""
    from moto.iam.models import iam_backends

    try:
        role_id = iam_backends[session.account_id]["aws"].get_role_by_arn(session.role_arn).id
    except Exception:  # a role deleted since: its id is gone with it, the session's name is not
        role_id = "AROA" + "0" * 17
    return f"{role_id}:{session.function_name}", session.principal, session.account_id


def install() -> None:
    """moto answers GetCallerIdentity for credentials it did not issue with its default user; a function's are the
    emulator's, and answered as STS answers a Lambda function."""
    from moto.sts.models import STSBackend

    moto_caller_identity = STSBackend.get_caller_identity

    def caller_identity(self: STSBackend, access_key_id: str, region: str) -> tuple[str, str, str]:
        session = _sessions.get(access_key_id)
        return _session_identity(session) if session else moto_caller_identity(self, access_key_id, region)

    STSBackend.get_caller_identity = caller_identity  # type: ignore[method-assign]


def _access_key(environ: dict[str, Any]) -> str | None:
    """The access key a request is signed with: SigV4 (header or presigned URL), or SigV2 ("AWS <key>:<signature>"
    or a presigned URL's AWSAccessKeyId), which the emulator then refuses."""
    scope = credential_scope(environ)
    if scope:
        return scope[0]
    header = environ.get("HTTP_AUTHORIZATION", "")
    if header.startswith("AWS ") and ":" in header:
        return header[4:].split(":", 1)[0]
    legacy = parse_qs(environ.get("QUERY_STRING", "")).get("AWSAccessKeyId")
    return legacy[0] if legacy else None


def session_of(environ: dict[str, Any]) -> Session | None:
    key = _access_key(environ)
    return _sessions.get(key) if key else None


@dataclass(frozen=True)
class Need:
    action: str
    resource: str


@dataclass(frozen=True)
class Judgement:
    """What a request needs; for a read of a key, also what turns S3's answer for a missing key from 403 into 404, and
    what lets its answer carry the object's tag count."""
    needs: list[Need]
    to_see_missing: Need | None = None
    to_see_tag_count: Need | None = None


class UnknownOperation(Exception):
    pass


def _region(environ: dict[str, Any]) -> str:
    scope = credential_scope(environ)
    return scope[2] if scope else "us-east-1"


def _parameters(environ: dict[str, Any]) -> dict[str, str]:
    """The request's parameters: a JSON body (JSON protocols, read here and put back for moto) or a form (query
    protocols, parsed once by request_log)."""
    if not environ.get("HTTP_X_AMZ_TARGET"):
        return form_parameters(environ) or {}
    try:
        parsed = json.loads(request_body(environ) or b"{}")
    except ValueError:
        return {}
    return {str(k): v for k, v in parsed.items() if isinstance(v, str)} if isinstance(parsed, dict) else {}


# S3 operations: the actions each needs, on its bucket ("bucket") or its object ("object"); a version id in the
# request turns s3:GetObject into s3:GetObjectVersion and the tagging actions into their Version forms.
_S3_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "HeadObject": (("s3:GetObject", "object"),),
    "GetObject": (("s3:GetObject", "object"),),
    "GetObjectAttributes": (("s3:GetObject", "object"), ("s3:GetObjectAttributes", "object")),
    "GetObjectTagging": (("s3:GetObjectTagging", "object"),),
    "PutObject": (("s3:PutObject", "object"),),
    "CreateMultipartUpload": (("s3:PutObject", "object"),),
    "UploadPart": (("s3:PutObject", "object"),),
    "CompleteMultipartUpload": (("s3:PutObject", "object"),),
    "CopyObject": (("s3:PutObject", "object"),),
    "UploadPartCopy": (("s3:PutObject", "object"),),
    "PutObjectTagging": (("s3:PutObjectTagging", "object"),),
    "DeleteObject": (("s3:DeleteObject", "object"),),
    "DeleteObjectTagging": (("s3:DeleteObjectTagging", "object"),),
    "AbortMultipartUpload": (("s3:AbortMultipartUpload", "object"),),
    "ListParts": (("s3:ListMultipartUploadParts", "object"),),
    "ListObjects": (("s3:ListBucket", "bucket"),),
    "ListObjectsV2": (("s3:ListBucket", "bucket"),),
    "HeadBucket": (("s3:ListBucket", "bucket"),),
    "ListObjectVersions": (("s3:ListBucketVersions", "bucket"),),
    "ListMultipartUploads": (("s3:ListBucketMultipartUploads", "bucket"),),
    "GET bucket?versioning": (("s3:GetBucketVersioning", "bucket"),),
    "GET bucket?location": (("s3:GetBucketLocation", "bucket"),),
}
_VERSIONED_ACTIONS = {"s3:GetObject": "s3:GetObjectVersion", "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
                      "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
                      "s3:PutObjectTagging": "s3:PutObjectVersionTagging", "s3:DeleteObject": "s3:DeleteObjectVersion",
                      "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging"}
_COPIES = {"CopyObject", "UploadPartCopy"}
_S3_READS = {"GetObject", "HeadObject"}


def _tagged(account_id: str, bucket: str, key: str, version_id: str | None) -> bool:
    from moto.s3.models import s3_backends

    try:
        backend = s3_backends[account_id]["aws"]
        found = backend.get_object(bucket, key, version_id=version_id)
        return bool(found and backend.get_object_tagging(found).get("Tags"))
    except Exception:  # a missing source is moto's to answer
        return False


# Headers that ask for more than the operation's own action (S3's "Required permissions" of each operation).
_S3_HEADER_NEEDS = {
    "x-amz-acl": "s3:PutObjectAcl", "x-amz-grant-read": "s3:PutObjectAcl", "x-amz-grant-read-acp": "s3:PutObjectAcl",
    "x-amz-grant-write-acp": "s3:PutObjectAcl", "x-amz-grant-full-control": "s3:PutObjectAcl",
    "x-amz-object-lock-mode": "s3:PutObjectRetention", "x-amz-object-lock-retain-until-date": "s3:PutObjectRetention",
    "x-amz-object-lock-legal-hold": "s3:PutObjectLegalHold",
}
_S3_WRITES = {"PutObject", "CopyObject", "CreateMultipartUpload"}


def _s3_needs(environ: dict[str, Any], account_id: str) -> Judgement:
    # Judged by what the request does, not by the name the SDK gives it (a PUT named GetObject is a PutObject).
    operation = s3_operation(environ, trust_sdk_name=False)
    if operation == "ListBuckets":
        return Judgement([Need("s3:ListAllMyBuckets", "*")])
    bucket, key = s3_target(environ)
    scopes = _S3_NEEDS.get(operation)
    if scopes is None or not bucket or (not key and any(scope == "object" for _, scope in scopes)):
        raise UnknownOperation(f"s3:{operation}")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    versioned = "versionId" in query

    def need(action: str, scope: str, on_version: bool, on_bucket: str, on_key: str) -> Need:
        action = _VERSIONED_ACTIONS.get(action, action) if on_version else action
        return Need(action, f"arn:aws:s3:::{on_bucket}" + (f"/{on_key}" if scope == "object" else ""))

    needs = [need(action, scope, versioned, bucket, key) for action, scope in scopes]
    if s3_header(environ, "x-amz-tagging") and operation in ("PutObject", "CreateMultipartUpload"):
        needs.append(need("s3:PutObjectTagging", "object", False, bucket, key))
    if operation in _S3_WRITES:
        needs.extend(need(action, "object", False, bucket, key) for header, action in _S3_HEADER_NEEDS.items() if s3_header(environ, header))
    if (s3_header(environ, "x-amz-bypass-governance-retention") or "").lower() == "true":
        needs.append(need("s3:BypassGovernanceRetention", "object", False, bucket, key))
    if operation in _COPIES:
        source_path, _, source_query = (s3_header(environ, "x-amz-copy-source") or "").partition("?")
        source_bucket, _, source_key = unquote(source_path).lstrip("/").partition("/")
        source_version = parse_qs(source_query).get("versionId", [None])[0]
        needs.append(need("s3:GetObject", "object", source_version is not None, source_bucket, source_key))
        directive = (s3_header(environ, "x-amz-tagging-directive") or "COPY").upper()
        if operation == "CopyObject" and directive == "REPLACE" and s3_header(environ, "x-amz-tagging"):
            needs.append(need("s3:PutObjectTagging", "object", False, bucket, key))
        if operation == "CopyObject" and directive == "COPY" and _tagged(account_id, source_bucket, source_key, source_version):
            needs.append(need("s3:GetObjectTagging", "object", source_version is not None, source_bucket, source_key))
            needs.append(need("s3:PutObjectTagging", "object", False, bucket, key))
        # S3's CopyObject reference: copying annotations (COPY, the default) needs their read on the source and
        # their write on the copy. It states no exception for a source without annotations, so neither is made here.
        annotations = (s3_header(environ, "x-amz-object-annotation-directive") or "COPY").upper()
        if operation == "CopyObject" and annotations == "COPY":
            needs.append(need("s3:GetObjectAnnotation", "object", False, source_bucket, source_key))
            needs.append(need("s3:PutObjectAnnotation", "object", False, bucket, key))
    to_see_missing = Need("s3:ListBucket", f"arn:aws:s3:::{bucket}") if operation in _S3_READS else None
    # S3's HeadObject and GetObject references: the tag count comes "when you have the relevant permission to read
    # object tags".
    to_see_tag_count = need("s3:GetObjectTagging", "object", versioned, bucket, key) if operation in _S3_READS else None
    return Judgement(needs, to_see_missing, to_see_tag_count)


_SNS_PUBLISHES = {"Publish", "PublishBatch"}
_SNS_ON_TOPIC = {"GetTopicAttributes": "sns:GetTopicAttributes", "ListSubscriptionsByTopic": "sns:ListSubscriptionsByTopic"}
_SQS_ON_QUEUE = {"SendMessage": "sqs:SendMessage", "SendMessageBatch": "sqs:SendMessage",
                 "ReceiveMessage": "sqs:ReceiveMessage", "DeleteMessage": "sqs:DeleteMessage",
                 "DeleteMessageBatch": "sqs:DeleteMessage", "ChangeMessageVisibility": "sqs:ChangeMessageVisibility",
                 "GetQueueAttributes": "sqs:GetQueueAttributes"}


def _queue_arn(queue_url: str, region: str) -> str:
    account, _, name = urlparse(queue_url).path.strip("/").partition("/")
    return f"arn:aws:sqs:{region}:{account}:{name}"


def needs_of(environ: dict[str, Any], account_id: str) -> Judgement:
    """What a request needs (IAM actions on resources, and for a read of a key what decides 404 against 403);
    UnknownOperation for one the emulator cannot judge."""
    service, operation = service_of(environ), operation_of(environ)
    if service == "s3":
        return _s3_needs(environ, account_id)
    if service == "sts" and operation == "GetCallerIdentity":
        return Judgement([])  # needs no permission on AWS either
    if service == "sns":
        parameters = _parameters(environ)
        if operation in _SNS_PUBLISHES:
            return Judgement([Need("sns:Publish", parameters.get("TopicArn") or parameters.get("TargetArn") or "*")])
        if operation in _SNS_ON_TOPIC:
            return Judgement([Need(_SNS_ON_TOPIC[operation], parameters.get("TopicArn", "*"))])
        if operation == "ListTopics":
            return Judgement([Need("sns:ListTopics", "*")])
    if service == "sqs":
        parameters = _parameters(environ)
        if operation in _SQS_ON_QUEUE:
            return Judgement([Need(_SQS_ON_QUEUE[operation], _queue_arn(parameters.get("QueueUrl", ""), _region(environ)))])
        if operation == "GetQueueUrl":
            return Judgement([Need("sqs:GetQueueUrl", f"arn:aws:sqs:{_region(environ)}:{account_id}:{parameters.get('QueueName', '')}")])
    raise UnknownOperation(f"{service}:{operation}")


_VARIABLE = re.compile(r"\$\{[^}]*\}")


@functools.lru_cache(maxsize=1024)
def _pattern(text: str, is_arn: bool) -> re.Pattern[str]:
    """An IAM pattern as a regular expression, built once per pattern: `?` is any one character, `*` any run of
    them (a line feed too: an object key may hold one); in an ARN a `*` stays inside its segment unless it ends one
    ("if the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon
    boundaries"). Actions ignore case, ARNs not."""
    pieces = text.split("*")
    regex = ""
    for index, piece in enumerate(pieces):
        regex += ".".join(re.escape(part) for part in piece.split("?"))
        if index < len(pieces) - 1:
            ends_segment = pieces[index + 1] == "" and index + 1 == len(pieces) - 1 or pieces[index + 1].startswith(":")
            regex += ".*" if not is_arn or ends_segment else "[^:]*"
    return re.compile(regex, re.DOTALL | (0 if is_arn else re.IGNORECASE))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _matches(statement: dict[str, Any], need: Need) -> bool:
    # Policy variables (${aws:username} …) are not resolved; each is read so that the statement covers the most
    # for a Deny and the least for an Allow: anything in a Deny's Action/Resource or an Allow's NotAction/
    # NotResource, nothing elsewhere.
    deny = statement.get("Effect") == "Deny"

    def any_match(patterns: list[str], value: str, is_arn: bool, negated: bool) -> bool:
        widen = deny != negated
        return any(_pattern(_VARIABLE.sub("*", p) if widen else p, is_arn).fullmatch(value) for p in patterns)

    if "Action" in statement:
        action_ok = any_match(_as_list(statement["Action"]), need.action, False, False)
    else:
        action_ok = not any_match(_as_list(statement.get("NotAction")), need.action, False, True)
    if "Resource" in statement:
        resource_ok = any_match(_as_list(statement["Resource"]), need.resource, True, False)
    else:
        resource_ok = not any_match(_as_list(statement.get("NotResource")), need.resource, True, True)
    return action_ok and resource_ok


def _statements(document: Any) -> list[dict[str, Any]]:
    return _parsed_statements(document) if isinstance(document, str) else _listed(document)


@functools.lru_cache(maxsize=256)
def _parsed_statements(text: str) -> list[dict[str, Any]]:
    """A stored policy document's statements, parsed once per document (every function request reads them). moto
    keeps a document as it was sent, JSON: decoding it again would read a resource's %2A as a wildcard. Only a
    document stored URL-encoded (it cannot start with "{" then) is decoded first."""
    return _listed(json.loads(text if text.lstrip().startswith("{") else unquote(text)))


def _listed(parsed: Any) -> list[dict[str, Any]]:
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    return [s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, dict)]


def _effect(documents: list[Any], need: Need) -> str | None:
    """"Deny" when a statement denies the need, "Allow" when one allows it (and none denies), else None."""
    allowed = False
    for document in documents:
        for statement in _statements(document):
            if not _matches(statement, need):
                continue
            if statement.get("Effect") == "Deny":
                return "Deny"
            if statement.get("Effect") == "Allow" and not statement.get("Condition"):
                allowed = True
    return "Allow" if allowed else None


def _default_document(policy: Any) -> Any:
    return next(v.document for v in policy.versions if v.version_id == policy.default_version_id)


def refusal(session: Session, needs: list[Need]) -> str | None:
    """Why the session's role may not do what the request needs, worded as AWS words it; None when it may."""
    from moto.iam.models import iam_backends

    backend = iam_backends[session.account_id]["aws"]
    try:
        role = backend.get_role_by_arn(session.role_arn)
    except Exception:
        return f"User: {session.principal} is not authorized: its execution role {session.role_arn} does not exist"
    identity = [*role.policies.values(), *(_default_document(p) for p in role.managed_policies.values())]
    boundary = _default_document(backend.get_policy(role.permissions_boundary_arn)) if role.permissions_boundary_arn else None
    for need in needs:
        effect = _effect(identity, need)
        if effect == "Deny":
            because = "with an explicit deny in an identity-based policy"
        elif effect is None:
            because = f"because no identity-based policy allows the {need.action} action"
        elif boundary is not None and _effect([boundary], need) != "Allow":
            because = f"because no permissions boundary allows the {need.action} action"
        else:
            continue
        return f'User: {session.principal} is not authorized to perform: {need.action} on resource: "{need.resource}" {because}'
    return None


def _refuse(environ: dict[str, Any], start_response: Callable[..., Any], message: str) -> Iterable[bytes]:
    service = service_of(environ)
    request_id = str(uuid.uuid4())
    # S3 (and a SigV2 request, which only S3 takes) gets S3's error; JSON protocols JSON; query protocols a form.
    if service == "s3" or credential_scope(environ) is None:
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>{escape(message)}</Message>'
                f"<RequestId>{request_id}</RequestId></Error>").encode()
        content_type = "application/xml"
    elif environ.get("HTTP_X_AMZ_TARGET"):
        body = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
        content_type = "application/x-amz-json-1.0"
    else:
        code = "AuthorizationError" if service == "sns" else "AccessDenied"
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
        content_type = "text/xml"
    headers = [("Content-Type", content_type), ("x-amzn-RequestId", request_id)]
    if environ.get("HTTP_X_AMZ_TARGET"):
        headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
    if environ.get("REQUEST_METHOD") == "HEAD":
        body = b""
    start_response("403 Forbidden", headers + [("Content-Length", str(len(body)))])
    return [body]


def enforcing(app: WsgiApp) -> WsgiApp:
    """WSGI middleware: a function's request goes on only if its role allows what the request needs."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        session = session_of(environ)
        if session is None:
            return app(environ, start_response)
        if credential_scope(environ) is None:
            return _refuse(environ, start_response,
                           f"User: {session.principal} signed this request with Signature Version 2, which the embedded "
                           "emulator does not accept for a function's requests: sign with Signature Version 4 (the SDKs do)")
        try:
            judgement = needs_of(environ, session.account_id)
        except UnknownOperation as unknown:
            return _refuse(environ, start_response,
                           f"User: {session.principal} is not authorized to perform: {unknown}: the embedded emulator "
                           "does not know which IAM actions this operation needs, so it refuses it "
                           "(scripts/emulator/kit_emulator/function_role_policy.py lists those it knows)")
        message = refusal(session, judgement.needs)
        if message is not None:
            return _refuse(environ, start_response, message)
        if judgement.to_see_tag_count is not None:
            start_response = _tag_count_for(start_response, lambda need=judgement.to_see_tag_count: refusal(session, [need]) is None)
        if judgement.to_see_missing is not None:
            listing = refusal(session, [judgement.to_see_missing])
            if listing is not None:
                return _missing_as_refused(app, environ, start_response, message=(
                    f"{listing} (S3 answers a read of a missing key with 403 when the caller may not list the bucket)"))
        return app(environ, start_response)

    return wrapped


def _tag_count_for(start_response: Callable[..., Any], may_read_tags: Callable[[], bool]) -> Callable[..., Any]:
    """An answer that keeps its x-amz-tagging-count header only for a caller that may read the object's tags, as S3
    answers; the role is asked only when the answer has the header (an object with tags)."""

    def answering(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if any(name.lower() == "x-amz-tagging-count" for name, _ in headers) and not may_read_tags():
            headers = [(name, value) for name, value in headers if name.lower() != "x-amz-tagging-count"]
        return start_response(status, headers, exc_info)

    return answering


def _missing_as_refused(app: WsgiApp, environ: dict[str, Any], start_response: Callable[..., Any], message: str) -> Iterable[bytes]:
    missing = False

    def answering(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        nonlocal missing
        if status.startswith("404"):
            missing = True
            return lambda _data: None
        return start_response(status, headers, exc_info)

    result = app(environ, answering)
    if not missing:
        return result
    close = getattr(result, "close", None)
    if close is not None:
        close()
    return _refuse(environ, start_response, message)
