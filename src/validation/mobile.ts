import { Checked, reject } from './result';
import { ungrouped } from './width';

/**
 * Validates a mainland China mobile number and reduces it to its bare 11 digits. Messages
 * quote none of its digits: they travel in responses and logs.
 */
export function checkMobile(input: string): Checked<{ normalized: string }> {
  const compact = ungrouped(input).replace(/^\uFF0B/, '+');
  // ITU-T E.164: 86 is China's country code, dialled after + or the international prefix 00.
  // A bare 86 is only taken as the prefix when exactly 11 digits follow, so that a malformed
  // number is reported by its own length rather than a shortened one; so is the trunk prefix
  // 0, dialled before a mobile of another city from a landline (013812345678).
  const national = compact.replace(/^(?:\+86|0086|86(?=\d{11}$)|0(?=1\d{10}$))/, '');
  if (/\D/.test(national)) {
    return reject(
      'MOBILE_FORMAT',
      'may contain only digits, spaces, hyphens and a +86, 0086 or 86 prefix',
    );
  }
  if (national.length !== 11) {
    return reject('MOBILE_FORMAT', `must be 11 digits, got ${national.length}`);
  }
  // MIIT numbering plan: mobile numbers are 1 followed by a network digit of 3-9.
  if (!/^1[3-9]/.test(national)) {
    return reject('MOBILE_FORMAT', 'must start with 1 followed by a digit 3-9');
  }
  return { ok: true, value: { normalized: national }, warnings: [] };
}
