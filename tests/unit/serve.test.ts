import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { startConsole } from '../../scripts/console/serve.js';

describe('the console stopping', () => {
  it('answers the page still being answered before it ends, closing its connection, and is not held by a browser’s idle connection', async () => {
    // Prepare: a page that answers once its action ends; an earlier page left its connection open (keep-alive)
    let endAction = () => {};
    let actionStarted = () => {};
    const started = new Promise<void>((resolve) => (actionStarted = resolve));
    const app = new Hono()
      .get('/', (c) => c.text('overview'))
      .post('/redrive', async (c) => {
        actionStarted();
        await new Promise<void>((resolve) => (endAction = resolve));
        return c.text('redriven 1');
      });
    const running = await startConsole(app, 0);
    await (await fetch(running.url)).text();
    const page = fetch(new URL('/redrive', running.url), { method: 'POST' }).then(async (response) => ({ connection: response.headers.get('connection'), text: await response.text() }));
    await started;
    // Act
    let stopped = false;
    const stopping = running.close().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stoppedWhileAnswering = stopped;
    endAction();
    const answer = await page;
    await stopping;
    // Assess
    expect(stoppedWhileAnswering).toBe(false);
    // Its connection ends with it, instead of staying open for another request (Node 20 would wait for keep-alive)
    expect(answer).toEqual({ connection: 'close', text: 'redriven 1' });
    expect(stopped).toBe(true);
  });
});
