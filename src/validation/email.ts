import { Checked, reject } from './result';

// RFC 5322's dot-atom, with RFC 6531's letters beyond ASCII (an address at 例子.中国). Quoted
// local parts, comments and address literals are valid RFC 5322 that no mail system here
// takes from a form: what a source sends so is a copy-paste (`mailto:`, `<...>`), not an
// address.
const ATOM = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+$/u;
// RFC 1035 labels, letters beyond ASCII as IDNA allows.
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * Validates an e-mail address and reduces it to the form it is matched by: full-width `＠`
 * and `．` (and letters) as an input method types them read as ASCII (NFKC), lower case. A
 * message quotes none of it: it travels in responses and logs.
 */
export function checkEmail(input: string): Checked<{ normalized: string }> {
  // The ideographic full stop an input method types for a dot (IDNA reads it as one too).
  const address = input
    .normalize('NFKC')
    .replace(/\u3002/g, '.')
    .trim()
    .toLowerCase();
  const at = address.indexOf('@');
  if (at < 0 || address.indexOf('@', at + 1) >= 0) {
    return reject('EMAIL_FORMAT', 'must hold one @, between the mailbox and the domain');
  }
  const mailbox = address.slice(0, at);
  const domain = address.slice(at + 1);
  // RFC 5321 4.5.3.1: a local part of at most 64 octets, a domain of at most 255.
  if (
    !mailbox ||
    Buffer.byteLength(mailbox) > 64 ||
    !mailbox.split('.').every((atom) => ATOM.test(atom))
  ) {
    return reject(
      'EMAIL_FORMAT',
      "the mailbox before @ must be 1 to 64 letters, digits and !#$%&'*+/=?^_`{|}~- in groups joined by single dots",
    );
  }
  const labels = domain.split('.');
  if (
    labels.length < 2 ||
    Buffer.byteLength(domain) > 253 ||
    !labels.every((label) => LABEL.test(label)) ||
    /^\d+$/.test(labels[labels.length - 1]!)
  ) {
    return reject(
      'EMAIL_FORMAT',
      'the domain after @ must be two or more names of letters, digits and inner hyphens joined by single dots',
    );
  }
  return { ok: true, value: { normalized: address }, warnings: [] };
}
