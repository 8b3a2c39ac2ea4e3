import type { Server, ServerResponse } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { UsageError } from '../lib/cli.js';

export type RunningConsole = { readonly url: string; readonly port: number; close(): Promise<void> };

/** Only this machine can reach the console: every user account of it, which is why it answers only the browser that logged in (login.ts). */
export const CONSOLE_HOST = '127.0.0.1';

/** Serves the console on 127.0.0.1 (port 0 picks a free one) and resolves once it listens. */
export function startConsole(app: Hono, port: number): Promise<RunningConsole> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: CONSOLE_HOST, port }, (info) =>
      resolve({ url: `http://${CONSOLE_HOST}:${info.port}/`, port: info.port, close: () => closeServer(server, answering) }),
    ) as Server;
    const answering = answeringResponses(server);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`port ${port} on ${CONSOLE_HOST} is in use: choose another, e.g. make console CONSOLE_PORT=${port + 1}`) : error),
    );
  });
}

/** The responses being answered, and whether the console is stopping: then each says it closes its connection. */
type Answering = { readonly responses: Set<ServerResponse>; stopping: boolean };

function answeringResponses(server: Server): Answering {
  const answering: Answering = { responses: new Set(), stopping: false };
  server.on('request', (_request, response: ServerResponse) => {
    if (answering.stopping) response.setHeader('Connection', 'close');
    answering.responses.add(response);
    response.once('close', () => answering.responses.delete(response));
  });
  return answering;
}

/**
 * Stops taking connections and resolves once every request under way was answered. Each page still being answered
 * (a redrive on its last event) is sent with `Connection: close`, so that its browser connection ends with it
 * instead of staying open for keep-alive (Node 20 waits for that) and taking another request; idle ones close now.
 */
function closeServer(server: Server, answering: Answering): Promise<void> {
  answering.stopping = true;
  for (const response of answering.responses) if (!response.headersSent) response.setHeader('Connection', 'close');
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
