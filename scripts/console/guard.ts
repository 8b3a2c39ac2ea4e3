import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's defences. It listens on 127.0.0.1 only, and:
 * - answers only requests addressed to 127.0.0.1 or localhost, so that a web site whose name was re-pointed at
 *   this machine (DNS rebinding) cannot read its pages, and with them the session token;
 * - takes a writing request only from its own pages: the browser's Origin must be the console itself, and the
 *   form must carry the token that this run of the console put into its pages (never a cookie, which a
 *   cross-site form would carry along).
 */

const localHostnames: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost']);

/** A fresh, unguessable token for one run of the console. */
export function sessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a Host header names this machine's loopback address (any port). */
export function isLocalHost(host: string | undefined): boolean {
  if (!host) return false;
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  return match !== null && localHostnames.has(match[1]!);
}

/** Whether a request's Origin is the console itself (the page that sent the form came from it). */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  return origin !== undefined && host !== undefined && isLocalHost(host) && origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

/** Compares a submitted token with the session's in constant time. */
export function isSessionToken(given: unknown, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
