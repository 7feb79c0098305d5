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

/**
 * An identifier typed into a lookup argument, read as ingestion stores identifiers: NFC,
 * full-width digits and letters as ASCII, surrounding spaces trimmed.
 */
export function typedIdentifier(value: string): string {
  return halfWidth(value.normalize('NFC')).trim();
}
