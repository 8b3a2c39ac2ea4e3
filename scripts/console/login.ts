import { randomBytes } from 'node:crypto';
import type { CookieOptions } from 'hono/utils/cookie';

/**
 * The console's login, as local notebook servers do it: each run makes a secret, prints the address that carries
 * it, and a browser that opens that address gets a cookie which every later request must bring. Listening on
 * 127.0.0.1 keeps out other machines only; the secret keeps out the other user accounts of this one, which can
 * reach the port but not read the owner's terminal.
 */

/** The query parameter of the printed address that carries the secret. */
export const LOGIN_PARAMETER = 'login';

/**
 * A fresh secret for one run of the console: 256 bits, in hex, so that a terminal takes all of it into the link it
 * makes of the printed address. It lives in this process only: never on a command line, in an environment or a file.
 */
export function loginSecret(): string {
  return randomBytes(32).toString('hex');
}

/** The address the console prints: opening it logs that browser in. */
export function loginAddress(url: string, secret: string): string {
  const address = new URL(url);
  address.searchParams.set(LOGIN_PARAMETER, secret);
  return address.href;
}

/**
 * Where a login is sent on to: the same path and query, without the secret, so that the address bar, a bookmark or a
 * copied link does not carry it. The other parameters are kept as they were written (a key's encoding included).
 */
export function addressWithoutLogin(url: string): string {
  const { pathname: asked, search } = new URL(url);
  // One leading slash: `//host/…` in a Location header would send the browser to another host.
  const pathname = asked.replace(/^\/+/, '/');
  const kept = search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && !new URLSearchParams(part).has(LOGIN_PARAMETER));
  return kept.length > 0 ? `${pathname}?${kept.join('&')}` : pathname;
}

/**
 * The session cookie's name, with the console's port in it: a browser keeps one set of cookies for 127.0.0.1 whatever
 * the port, and two consoles (one per target) would otherwise each log the other's browser out.
 */
export function sessionCookieName(host: string): string {
  const port = /:(\d{1,5})$/.exec(host.trim())?.[1] ?? '80';
  return `backup-kit-console-${port}`;
}

/**
 * No script may read it (HttpOnly: the pages run none, but a report page is served too), no other site's page may
 * make the browser send it (SameSite=Strict), and it counts for every page of the console (Path=/). It has no expiry:
 * it ends with the browser's session, and with the console's run, whose next run makes another.
 */
export const sessionCookieOptions: CookieOptions = { httpOnly: true, sameSite: 'Strict', path: '/' };
