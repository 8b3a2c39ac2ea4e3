/** Progress of a long run on stderr: at most once a second on a terminal, every five seconds in a log. */
export function progress(label: string, total?: number): { tick: (done: number) => void; finish: (done: number) => void } {
  const every = process.stderr.isTTY ? 1_000 : 5_000;
  let last = Date.now();
  const line = (done: number) => `${label}: ${done}${total === undefined ? '' : ` of ${total}`}`;
  return {
    tick(done) {
      if (Date.now() - last < every) return;
      last = Date.now();
      process.stderr.write(process.stderr.isTTY ? `\r${line(done)}` : `${line(done)}\n`);
    },
    finish(done) {
      if (process.stderr.isTTY) process.stderr.write(`\r${line(done)}\n`);
    },
  };
}
