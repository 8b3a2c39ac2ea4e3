import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWord, shownName, shownText } from '../../handler/shown-name.js';

/** What bash makes of a word: the bytes `printf %s <word>` writes. */
const bashReads = (word: string) => execFileSync('bash', ['-c', `printf %s ${word}`], { encoding: 'utf8' });

describe('shownName', () => {
  it('shows a name without control characters as it is', () => {
    // Assess
    expect(shownName("docs/it's a b+c.txt")).toBe("docs/it's a b+c.txt");
  });

  it.each([
    [' notes.txt', "' notes.txt'"],
    ["docs/it's a.txt ", "'docs/it'\\''s a.txt '"],
    ['docs/nbsp\u00a0', "'docs/nbsp\u00a0'"],
    [' ', "' '"],
  ])('quotes %j, which begins or ends with a blank, so that the blank shows and the name pastes as it is', (name, shown) => {
    // Act
    const printed = shownName(name);
    // Assess
    expect(printed).toBe(shown);
    expect(bashReads(printed)).toBe(name);
  });

  it.each([
    ['docs/cr\r.txt', "$'docs/cr\\r.txt'"],
    ['docs/\u001b[2J.txt', "$'docs/\\x1b[2J.txt'"],
    ['docs/csi\u009b.txt', "$'docs/csi\\u009b.txt'"],
    ["docs/tab\tit's\\.txt", "$'docs/tab\\tit\\'s\\\\.txt'"],
    ['invoice\u202Efdp.exe', "$'invoice\\u202efdp.exe'"],
    ['a\u2066b\u2069\u200f\u2028c', "$'a\\u2066b\\u2069\\u200f\\u2028c'"],
    ['zero\u200dwidth\u00adsoft\ufeffbom\u{e0041}tag', "$'zero\\u200dwidth\\u00adsoft\\ufeffbom\\U000e0041tag'"],
  ])('shows %j escaped, with no control character left', (name, shown) => {
    // Act
    const printed = shownName(name);
    // Assess
    expect(printed).toBe(shown);
    expect(printed).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
  });
});

describe('shellWord', () => {
  it.each(["plain 'quoted' name", 'docs/cr\r.txt', 'docs/\u001b[2Jclear\n.txt', 'docs/csi\u009bdel\u007f.txt', "back\\slash 'and' tab\t한글", 'invoice\u202Efdp.exe\u2029', 'tag\u{e0041}and\u200bzero'])(
    'is read back by bash as %j',
    (name) => {
      // Assess
      expect(bashReads(shellWord(name))).toBe(name);
    },
  );
});

describe('shownText', () => {
  it('escapes the control characters of a line that names keys, and leaves the rest as it is', () => {
    // Act
    const shown = shownText("RetryableBackupError: backup of 1 record(s) failed: red/cr\r.txt (NoSuchBucket: it's gone)");
    // Assess
    expect(shown).toBe("RetryableBackupError: backup of 1 record(s) failed: red/cr\\r.txt (NoSuchBucket: it's gone)");
  });
});
