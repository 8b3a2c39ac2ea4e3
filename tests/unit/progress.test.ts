import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progress } from '../../scripts/lib/progress.js';

/** What the progress wrote to stderr, as one string. */
let written: string[];
const output = () => written.join('');

const isTTY = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');

/** Captures stderr, as a terminal or as a log. */
function onStderr(terminal: boolean): void {
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  Object.defineProperty(process.stderr, 'isTTY', { value: terminal, configurable: true });
}

beforeEach(() => {
  written = [];
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  if (isTTY) Object.defineProperty(process.stderr, 'isTTY', isTTY);
  else delete (process.stderr as { isTTY?: boolean }).isTTY;
});

describe('progress on a terminal', () => {
  it('redraws one line, and finish ends it with the latest count so that the next output starts on a line of its own', () => {
    // Prepare
    onStderr(true);
    const shown = progress('keys checked', 9);
    // Act
    vi.advanceTimersByTime(1_100);
    shown.tick(5);
    shown.tick(7);
    shown.finish();
    // Assess
    expect(output()).toBe('\rkeys checked: 5 of 9\u001b[K\rkeys checked: 7 of 9\u001b[K\n');
  });

  it('draws nothing, and finish adds nothing, for a run too short to show', () => {
    // Prepare
    onStderr(true);
    const shown = progress('versions listed');
    // Act
    shown.tick(3);
    shown.finish();
    // Assess
    expect(output()).toBe('');
  });
});

describe('progress in a log', () => {
  it('writes whole lines every five seconds, and finish adds nothing', () => {
    // Prepare
    onStderr(false);
    const shown = progress('restored', 4);
    // Act
    vi.advanceTimersByTime(1_100);
    shown.tick(1);
    vi.advanceTimersByTime(5_000);
    shown.tick(2);
    shown.finish();
    // Assess
    expect(output()).toBe('restored: 2 of 4\n');
  });
});

describe('progress with a note', () => {
  it("adds the caller's note to each line it draws, and none where the note is empty", () => {
    // Prepare: a seed run whose count stands still says how long it has, and when it gives up
    onStderr(false);
    let note = ' (none for 6 s; a file not backed up within 3 min ends the run)';
    const shown = progress('backed up', 3, () => note);
    // Act
    vi.advanceTimersByTime(6_000);
    shown.tick(0);
    note = '';
    vi.advanceTimersByTime(5_000);
    shown.tick(1);
    // Assess
    expect(output()).toBe('backed up: 0 of 3 (none for 6 s; a file not backed up within 3 min ends the run)\nbacked up: 1 of 3\n');
  });
});
