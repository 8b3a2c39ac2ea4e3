import type { FC } from 'hono/jsx';

/**
 * What a browser that has not logged in gets: the way in, and nothing of the target (not its account, not even the
 * console's stylesheet, which it could not load either).
 */
export const LoginNeededPage: FC = () => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <title>Log in · backup-kit console</title>
    </head>
    <body>
      <h1>Open the address the console printed</h1>
      <p id="login-needed">
        This console answers only a browser that opened the address it printed in its terminal when it started
        (http://127.0.0.1:…/?login=…): open that address. One printed by an earlier run of the console no longer logs in.
        Nothing was read or done.
      </p>
    </body>
  </html>
);
