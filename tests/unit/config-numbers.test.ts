import { parseConfig } from '../../src/config/config';
import { configProblems as problems } from '../setup/config';

describe('number settings', () => {
  it('take decimal digits', () => {
    expect(parseConfig({ PORT: '4010', DB_POOL_SIZE: '12' })).toMatchObject({ port: 4010 });
  });

  it.each(['0x10', '1e3', ' 8', '8.0', '99a'])('refuse %j, naming the setting', (raw) => {
    expect(problems({ PORT: raw })).toEqual([
      `PORT must be an integer from 0 to 65535, got "${raw}"`,
    ]);
  });
});

describe('settings that go together', () => {
  it('refuse a request timeout that cuts a request before its statement', () => {
    expect(problems({ REQUEST_TIMEOUT_MS: '1000', STATEMENT_TIMEOUT_MS: '30000' })).toEqual([
      'REQUEST_TIMEOUT_MS must be above STATEMENT_TIMEOUT_MS (or 0), so that a statement ends before the request that waits for it',
    ]);
    expect(problems({ REQUEST_TIMEOUT_MS: '0', STATEMENT_TIMEOUT_MS: '30000' })).toEqual([]);
    expect(problems({ REQUEST_TIMEOUT_MS: '1000', STATEMENT_TIMEOUT_MS: '0' })).toEqual([]);
  });

  it('refuse a DATABASE_URL that is no URL, without quoting it (it holds the password)', () => {
    for (const url of [
      'postgres://postgres:S3cretPW@127.0.0.1:99999/x',
      'postgres://postgres:S3cretPW@[::1:5432/x',
    ]) {
      const refused = problems({ DATABASE_URL: url });
      expect(refused).toEqual([
        'DATABASE_URL is not a valid URL (a port from 1 to 65535, a host, a path)',
      ]);
    }
    expect(problems({ DATABASE_URL: 'postgres://postgres:Sup3r%zzPw@127.0.0.1:5432/x' })).toEqual([
      'DATABASE_URL has a malformed %-escape: write a % in the password as %25',
    ]);
    for (const url of ['postgres://', 'postgres://postgres@127.0.0.1:5432/']) {
      expect(problems({ DATABASE_URL: url }).join()).toMatch(
        /^DATABASE_URL names no (host|database)/,
      );
    }
    expect(problems({ DATABASE_URL: 'postgres://u:p%25w@127.0.0.1:5432/x' })).toEqual([]);
  });

  it('say only what is wrong with a keyring that is set but malformed', () => {
    const refused = problems({ NODE_ENV: 'production', PII_ENCRYPTION_KEYS: 'k1:abc' });
    expect(refused.some((p) => p.startsWith('PII_ENCRYPTION_KEYS: '))).toBe(true);
    expect(refused).not.toContain('PII_ENCRYPTION_KEYS is required in production');
  });
});
