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
