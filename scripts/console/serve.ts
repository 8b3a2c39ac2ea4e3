import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { UsageError } from '../lib/cli.js';

export type RunningConsole = { readonly url: string; readonly port: number; close(): Promise<void> };

/** Only this machine can reach the console. */
export const CONSOLE_HOST = '127.0.0.1';

/** Serves the console on 127.0.0.1 (port 0 picks a free one) and resolves once it listens. */
export function startConsole(app: Hono, port: number): Promise<RunningConsole> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: CONSOLE_HOST, port }, (info) =>
      resolve({ url: `http://${CONSOLE_HOST}:${info.port}/`, port: info.port, close: () => closeServer(server as Server) }),
    ) as Server;
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`port ${port} on ${CONSOLE_HOST} is in use: choose another, e.g. make console CONSOLE_PORT=${port + 1}`) : error),
    );
  });
}

/**
 * Stops taking connections and resolves once every request under way was answered: Node closes a browser's idle
 * connections (and each one as it becomes idle), and waits for one still answering (a redrive on its last event).
 */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
