/**
 * Control characters, C0 and C1 and DEL: a terminal acts on them (a carriage return overwrites the line, ESC starts a
 * command); and the invisible ones that reorder or break what follows: bidirectional marks, embeddings, overrides and
 * isolates (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`) and the line and paragraph separators.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/** One control character as bash writes it in $'…': \r, \x1b, and \u0085 beyond ASCII (a \x there would be one raw byte, not UTF-8). */
function escaped(character: string): string {
  const code = character.charCodeAt(0);
  const named: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  return named[character] ?? (code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * A key or folder as printed to a terminal: as it is, or, when it holds control characters, in bash's $'…' quoting
 * with them escaped. A key may be any UTF-8 an uploader chose; printed raw, its control characters would act on the
 * owner's terminal instead of showing, and the quoted form can be pasted into a shell as the name it stands for.
 */
export function shownName(name: string): string {
  return CONTROL.test(name) ? shellWord(name) : name;
}

/** A line of text as printed to a terminal (an error that names keys): its control characters escaped as in $'…'. */
export function shownText(text: string): string {
  return text.replace(CONTROLS, escaped);
}

/** A shell word for bash: single-quoted, or $'…' with escapes when it holds control characters. */
export function shellWord(text: string): string {
  if (!CONTROL.test(text)) return `'${text.replaceAll("'", "'\\''")}'`;
  return `$'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replace(CONTROLS, escaped)}'`;
}
