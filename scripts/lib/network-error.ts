/** Node's codes for a request that found no way to its endpoint, or lost it: no DNS name, no route, no answer. */
const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Whether an SDK request failed on the way rather than at the service: a name that does not resolve (no network, a
 * region no endpoint answers in), a refused or dropped connection, or the SDK's own time limit on an answer.
 */
export function isNetworkError(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return name === 'TimeoutError' || (typeof code === 'string' && NETWORK_CODES.has(code));
}

/**
 * Node's codes for a TLS connection whose certificate is not one this machine trusts for the host: what a proxy that
 * inspects TLS, a captive portal or a wrong DNS answer shows in AWS's place.
 */
const CERTIFICATE_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
]);

/** Whether an SDK request failed because what answered did not prove to be its endpoint: no sign-in helps it. */
export function isCertificateError(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' && CERTIFICATE_CODES.has(code);
}
