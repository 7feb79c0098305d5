import { ConfigError, parseConfig } from '../../src/config/config';
import { newPiiKeyring, parsePiiKeyring, PiiCipher } from '../../src/modules/customer/pii-cipher';

const OLD = newPiiKeyring('2025a');
const NEW = newPiiKeyring('2026a');
const ID = '11010519491231002X';

describe('the PII cipher', () => {
  const cipher = new PiiCipher(`${OLD},${NEW}`, '2026a');

  it('gives back what it encrypted, in any script', () => {
    for (const plain of [
      ID,
      '13812345678',
      'zhang.san@example.cn',
      '江苏省南京市玄武区中山路1号',
      '',
    ]) {
      expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
    }
  });

  it('stores no plain text and names the active key', () => {
    const stored = cipher.encrypt(ID);
    expect(stored).toMatch(/^v1\.2026a\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain(ID);
    expect(stored).not.toContain('19491231');
    expect(cipher.keyIdOf(stored)).toBe('2026a');
    expect(cipher.activeKeyId).toBe('2026a');
  });

  it('encrypts the same value differently each time (a random IV)', () => {
    expect(cipher.encrypt(ID)).not.toBe(cipher.encrypt(ID));
  });

  it('opens values under an older key of the keyring', () => {
    const stored = new PiiCipher(OLD, '2025a').encrypt(ID);
    expect(cipher.keyIdOf(stored)).toBe('2025a');
    expect(cipher.decrypt(stored)).toBe(ID);
  });

  it('refuses values under a key it does not have', () => {
    const stored = new PiiCipher(newPiiKeyring('gone'), 'gone').encrypt(ID);
    expect(() => cipher.decrypt(stored)).toThrow('PII key gone is not in the keyring');
  });

  it('refuses tampered values and values relabelled with another key id', () => {
    const stored = cipher.encrypt(ID);
    const body = Buffer.from(stored.split('.')[2], 'base64url');
    body[20] ^= 1;
    expect(() => cipher.decrypt(`v1.2026a.${body.toString('base64url')}`)).toThrow();
    const underOld = new PiiCipher(`${OLD},${NEW}`, '2025a').encrypt(ID);
    expect(() => cipher.decrypt(underOld.replace('v1.2025a.', 'v1.2026a.'))).toThrow();
  });

  it('refuses plain text without quoting it', () => {
    expect(() => cipher.decrypt(ID)).toThrow(/^not a v1 PII ciphertext$/);
    expect(() => cipher.keyIdOf('13812345678')).toThrow(/^not a v1 PII ciphertext$/);
  });

  it('refuses an active key id missing from the keyring', () => {
    expect(() => new PiiCipher(OLD, '2026a')).toThrow(
      'the active PII key 2026a is not in the keyring',
    );
  });
});

describe('parsing a keyring', () => {
  it('reads id:base64key entries separated by commas', () => {
    const keys = parsePiiKeyring(` ${OLD} , ${NEW} `);
    expect([...keys.keys()]).toEqual(['2025a', '2026a']);
    expect(keys.get('2026a')).toHaveLength(32);
  });

  it.each([
    ['no id', `:${'A'.repeat(43)}=`, 'entry 1 must be "id:base64key"'],
    ['a dot in the id', `a.b:${'A'.repeat(43)}=`, 'entry 1 must be "id:base64key"'],
    ['a short key', 'k1:c2hvcnQ=', 'key k1 must be 32 bytes'],
    ['the same id twice', `${OLD},${OLD}`, 'key id 2025a is listed twice'],
  ])('refuses %s, naming the rule and not the key', (_, text, message) => {
    let error: Error | undefined;
    try {
      parsePiiKeyring(text);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain(OLD.split(':')[1]);
  });
});

describe('configuring the keys', () => {
  const parse = (env: Record<string, string>) => {
    try {
      return { config: parseConfig(env) };
    } catch (error) {
      return { problems: (error as ConfigError).problems };
    }
  };

  it('takes the only key of a keyring as the active one', () => {
    expect(parse({ PII_ENCRYPTION_KEYS: OLD }).config).toMatchObject({
      piiEncryptionKeys: OLD,
      piiEncryptionKeyId: '2025a',
    });
  });

  it('needs the active key named among several, and named right', () => {
    expect(parse({ PII_ENCRYPTION_KEYS: `${OLD},${NEW}` }).problems).toEqual([
      'PII_ENCRYPTION_KEY_ID is required when PII_ENCRYPTION_KEYS holds several keys',
    ]);
    expect(
      parse({ PII_ENCRYPTION_KEYS: `${OLD},${NEW}`, PII_ENCRYPTION_KEY_ID: '2024a' }).problems,
    ).toEqual(['PII_ENCRYPTION_KEY_ID must name a key of PII_ENCRYPTION_KEYS, got "2024a"']);
    expect(
      parse({ PII_ENCRYPTION_KEYS: `${OLD},${NEW}`, PII_ENCRYPTION_KEY_ID: '2026a' }).config,
    ).toMatchObject({ piiEncryptionKeyId: '2026a' });
  });

  it('reports a bad key without printing it', () => {
    const [problem] = parse({ PII_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }).problems!;
    expect(problem).toBe(
      'PII_ENCRYPTION_KEYS: key k1 must be 32 bytes in base64 (openssl rand -base64 32)',
    );
  });

  it('requires a keyring in production', () => {
    expect(parse({ NODE_ENV: 'production' }).problems).toContain(
      'PII_ENCRYPTION_KEYS is required in production',
    );
  });
});
