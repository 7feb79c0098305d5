/**
 * The dashes people group a number's digits with, as a regular expression character class's
 * contents: ASCII, typographic (‐ – — ―, the minus sign, the hyphen bullet), full-width and
 * small (－ ﹣ ﹘), and the long sound mark (ー) Chinese and Japanese input methods give
 * for a dash.
 */
export const DASHES = '\\-\\u2010-\\u2015\\u2043\\u2212\\u30FC\\uFE58\\uFE63\\uFF0D';
const GROUPING = new RegExp(`[\\s${DASHES}]`, 'g');

/**
 * A number as written without the spaces and dashes people group its characters with
 * (`139 1234 5678`, `110105-19491231-002X`): the grouping is no part of the number.
 */
export function ungrouped(value: string): string {
  return value.replace(GROUPING, '');
}

// U+FF10-FF19, FF21-FF3A and FF41-FF5A sit 0xFEE0 above ASCII's digits and letters.
const FULL_WIDTH = /[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g;

/**
 * Full-width digits and letters (as a Chinese input method types them) as their ASCII
 * selves: an identifier typed either way is the same identifier, on the way in and when
 * looked up.
 */
export function halfWidth(value: string): string {
  return value.replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

// Whitespace (U+3000 and U+FEFF among it), format characters (zero-width space and joiners,
// word joiner, bidi marks) and the other default-ignorable code points (Hangul fillers,
// variation selectors): nothing a reader sees, so nothing a value may start or end with,
// nor consist of.
// The Braille blank (U+2800) is neither, but shows as a space: a name of it says nothing.
// The trailing run is tried where a run starts only (the lookbehind): from each of its
// characters, a long run inside a value took time in the square of its length.
export const INVISIBLE_EDGES =
  /^[\s\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]+|(?<![\s\p{Cf}\p{Default_Ignorable_Code_Point}\u2800])[\s\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]+$/gu;

/**
 * An identifier typed into a lookup argument, read as ingestion stores identifiers: NFC,
 * full-width digits and letters as ASCII, without the invisible characters around it (a
 * zero-width space pasted with a mobile).
 */
export function typedIdentifier(value: string): string {
  return halfWidth(value.normalize('NFC')).replace(INVISIBLE_EDGES, '');
}
