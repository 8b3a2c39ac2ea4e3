/**
 * An RFC 2047 encoded-word, `=?charset?B|Q?text?=`, its charset and text printable US-ASCII but `?`. S3 decodes them
 * in a metadata value before storing it, and returns a value that is not US-ASCII as one (`=?UTF-8?B?…?=`), which the
 * SDK hands over as read (S3's user guide, "User-defined object metadata").
 */
const ENCODED_WORD = /=\?([\x21-\x3e\x40-\x7e]+)\?([BbQq])\?([\x21-\x3e\x40-\x7e]*)\?=/g;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const Q_ESCAPE = /^[0-9A-Fa-f]{2}$/;

function qBytes(text: string): Buffer | undefined {
  const bytes: number[] = [];
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at]!;
    if (char === '_') bytes.push(0x20);
    else if (char !== '=') bytes.push(char.charCodeAt(0));
    else {
      const hex = text.slice(at + 1, at + 3);
      if (!Q_ESCAPE.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      at += 2;
    }
  }
  return Buffer.from(bytes);
}

/** The text of one encoded-word, or undefined when it is not one this reads (a charset other than UTF-8, bad bytes). */
function decodedWord(charset: string, encoding: string, text: string): string | undefined {
  // RFC 2231 lets a language follow the charset (UTF-8*en).
  if (charset.split('*')[0]!.toUpperCase() !== 'UTF-8') return undefined;
  const bytes = encoding.toUpperCase() === 'B' ? (BASE64.test(text) ? Buffer.from(text, 'base64') : undefined) : qBytes(text);
  if (!bytes) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A metadata value as S3 stores it, and counts it within its 2 KB: every encoded-word in it decoded, and the blanks
 * between two adjacent ones dropped (RFC 2047 section 6.2). A word this cannot read stays as written, which counts it
 * at no fewer bytes than its text.
 */
export function decodeEncodedWords(value: string): string {
  let decoded = '';
  let end = 0;
  let previousDecoded = false;
  for (const match of value.matchAll(ENCODED_WORD)) {
    const word = decodedWord(match[1]!, match[2]!, match[3]!);
    const gap = value.slice(end, match.index);
    if (!(previousDecoded && word !== undefined && /^[ \t]+$/.test(gap))) decoded += gap;
    decoded += word ?? match[0];
    previousDecoded = word !== undefined;
    end = match.index + match[0].length;
  }
  return decoded + value.slice(end);
}
