import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateSecrets } from '../../src/config/secrets';
import { PiiCipher } from '../../src/modules/customer/pii-cipher';

describe('development secrets under the data folder', () => {
  let dir: string;
  const file = () => path.join(dir, 'secrets.json');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-hub-secrets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are made once, with a PII key, and kept', () => {
    const made = loadOrCreateSecrets(dir);
    const cipher = new PiiCipher(made.piiEncryptionKeys, made.piiEncryptionKeyId);
    expect(cipher.decrypt(cipher.encrypt('13748260519'))).toBe('13748260519');
    expect(loadOrCreateSecrets(dir)).toEqual(made);
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
  });

  it('gain a PII key when written before encryption at rest, keeping the others', () => {
    const old = { jwtSecret: 'j'.repeat(40), piiHashKey: 'h'.repeat(40) };
    fs.writeFileSync(file(), JSON.stringify(old), { mode: 0o600 });
    const upgraded = loadOrCreateSecrets(dir);
    expect(upgraded).toMatchObject({ ...old, piiEncryptionKeyId: 'dev1' });
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual(upgraded);
    expect(loadOrCreateSecrets(dir)).toEqual(upgraded);
    expect(fs.existsSync(`${file()}.lock`)).toBe(false);
  });

  it('refuse a file with half a keyring rather than replace a key', () => {
    fs.writeFileSync(
      file(),
      JSON.stringify({
        jwtSecret: 'j'.repeat(40),
        piiHashKey: 'h'.repeat(40),
        piiEncryptionKeyId: 'dev1',
      }),
    );
    expect(() => loadOrCreateSecrets(dir)).toThrow(
      'must hold "piiEncryptionKeys" and "piiEncryptionKeyId" together',
    );
  });
});
