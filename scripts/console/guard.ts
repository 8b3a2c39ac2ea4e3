import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's defences. It listens on 127.0.0.1 only, answers only a browser that logged in through the address it
 * printed (login.ts), and:
 * - answers only requests addressed to 127.0.0.1 or localhost, so that a web site whose name was re-pointed at
 *   this machine (DNS rebinding) cannot read its pages, and with them the session token;
 * - answers no request that a browser says another site started (Sec-Fetch-Site), reads included: listing the
 *   parked events receives them, which hides them from other readers for a moment, so even an <img> on some web
 *   page pointing at the console would change the queue;
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

/** Sec-Fetch-Site values of requests from the console's own pages, or started by the person (typed, bookmarked, opened from the terminal). */
const ownInitiators: ReadonlySet<string> = new Set(['same-origin', 'none']);

/**
 * Whether a browser says that another site started this request: its Sec-Fetch-Site is present and neither
 * same-origin nor none (same-site counts as another site: any other port on this machine is one). Browsers
 * send it with every request; a client that sends none (curl, a script) is not driven by a web page.
 */
export function isStartedElsewhere(secFetchSite: string | undefined): boolean {
  return secFetchSite !== undefined && !ownInitiators.has(secFetchSite.trim().toLowerCase());
}

/** Whether a request's Origin is the console itself (the page that sent the form came from it). */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  return origin !== undefined && host !== undefined && isLocalHost(host) && origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

/** Compares a submitted secret (the form's token, the login's secret, the session cookie) with this run's in constant time. */
export function isSameSecret(given: unknown, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
