export type Progress = {
  /** Reports how many are done; shown at most once a second on a terminal, every five seconds in a log. */
  readonly tick: (done: number) => void;
  /** Ends the line drawn on a terminal, with the latest count; call it before printing anything else. */
  readonly finish: () => void;
};

/**
 * Progress of a long run on stderr. On a terminal it is one line, redrawn in place (and cleared to its end, as
 * another progress may have drawn a longer one there); in a log, a whole line each time. `note`, when given, is added
 * to each line as it is drawn (how long the count has stood still, say).
 */
export function progress(label: string, total?: number, note: () => string = () => ''): Progress {
  const terminal = process.stderr.isTTY === true;
  const every = terminal ? 1_000 : 5_000;
  let last = Date.now();
  let latest = 0;
  let drawn = false;
  const line = () => `${label}: ${latest}${total === undefined ? '' : ` of ${total}`}${note()}`;
  return {
    tick(done) {
      latest = done;
      if (Date.now() - last < every) return;
      last = Date.now();
      process.stderr.write(terminal ? `\r${line()}\u001b[K` : `${line()}\n`);
      drawn = terminal;
    },
    finish() {
      if (drawn) process.stderr.write(`\r${line()}\u001b[K\n`);
      drawn = false;
    },
  };
}
