/**
 * Control characters (C0, C1, DEL: a terminal acts on them, a carriage return overwrites the line, ESC starts a
 * command) and the invisible format characters and separators that change how what follows shows: bidirectional
 * marks and overrides (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`), zero-width joiners and spaces, the soft
 * hyphen, the byte-order mark, tag characters, the line and paragraph separators.
 */
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const CONTROLS = new RegExp(CONTROL.source, 'gu');

/** One such character as bash writes it in $'…': \r, \x1b, \u0085 or \U000e0041 beyond ASCII (a \x there would be one raw byte, not UTF-8). */
function escaped(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  const named: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  const name = named[character];
  if (name) return name;
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
}

/** A blank at either end (a space, a no-break space): printed raw, `a.txt ` reads as `a.txt`. */
const EDGE_BLANK = /^\s|\s$/u;

/** Whether a name holds a control or invisible format character, which only an escape can show. */
export function holdsControlCharacters(name: string): boolean {
  return CONTROL.test(name);
}

/**
 * A key or folder as printed to a terminal or written into a receipt: as it is, or, when it holds control
 * characters or begins or ends with a blank, as a shell word (bash's $'…' quoting with the control characters
 * escaped, or plain single quotes). A key may be any UTF-8 an uploader chose; printed raw, its control characters
 * would act on the owner's terminal (or add lines to a receipt) instead of showing, a blank at its end would not
 * show at all, and the quoted form can be pasted into a shell as the name it stands for.
 */
export function shownName(name: string): string {
  return CONTROL.test(name) || EDGE_BLANK.test(name) ? shellWord(name) : name;
}

/** A line of text as printed to a terminal (an error that names keys): its control characters escaped as in $'…'. */
export function shownText(text: string): string {
  return text.replace(CONTROLS, escaped);
}

/** Lines of output as printed to a terminal (a log event's message): tabs and line breaks kept, every other control character escaped. */
export function shownLines(text: string): string {
  return text.replace(CONTROLS, (character) => (character === '\t' || character === '\n' ? character : escaped(character)));
}

/** A shell word for bash: single-quoted, or $'…' with escapes when it holds control characters. */
export function shellWord(text: string): string {
  if (!CONTROL.test(text)) return `'${text.replaceAll("'", "'\\''")}'`;
  return `$'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replace(CONTROLS, escaped)}'`;
}
