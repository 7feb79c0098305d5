import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { newPiiKeyring } from '../modules/customer/pii-cipher';
import type { Config } from './config';

export interface Secrets {
  /** HS256 key of tokens; absent when tokens are verified against a JWKS (production). */
  jwtSecret?: string;
  piiHashKey: string;
  /** The PII keyring, "id:base64key,..." (src/modules/customer/pii-cipher.ts). */
  piiEncryptionKeys: string;
  piiEncryptionKeyId: string;
}

const newSecret = () => randomBytes(48).toString('base64url');

const DEV_PII_KEY_ID = 'dev1';
const newPiiSecrets = () => ({
  piiEncryptionKeys: newPiiKeyring(DEV_PII_KEY_ID),
  piiEncryptionKeyId: DEV_PII_KEY_ID,
});

/** The configured secrets, and for those not configured, the ones kept under `dataDir`. */
export function resolveSecrets(config: Config): Secrets {
  // Tokens verified against a JWKS need no secret of the hub's: none is kept or made.
  const withJwtSecret = !config.tokens.jwksUrl;
  const configured = {
    ...(withJwtSecret ? { jwtSecret: config.jwtSecret } : {}),
    piiHashKey: config.piiHashKey,
    piiEncryptionKeys: config.piiEncryptionKeys,
    piiEncryptionKeyId: config.piiEncryptionKeyId,
  };
  if (Object.values(configured).every((value) => value !== undefined)) {
    return configured as Secrets;
  }
  const stored = loadOrCreateSecrets(config.dataDir);
  // The keyring and its active id go together: one from the environment, one from the file
  // would name a key the other does not hold.
  const keyring = config.piiEncryptionKeys
    ? {
        piiEncryptionKeys: config.piiEncryptionKeys,
        piiEncryptionKeyId: config.piiEncryptionKeyId!,
      }
    : {
        piiEncryptionKeys: stored.piiEncryptionKeys,
        piiEncryptionKeyId: stored.piiEncryptionKeyId,
      };
  return {
    jwtSecret: withJwtSecret ? (config.jwtSecret ?? stored.jwtSecret) : undefined,
    piiHashKey: config.piiHashKey ?? stored.piiHashKey,
    ...keyring,
  };
}

/**
 * The secrets of a machine without configured ones, kept in `<dataDir>/secrets.json` (mode
 * 0600) so that they survive restarts: a new PII key would orphan every stored digest and
 * ciphertext. A file from before encryption at rest gets a PII key added.
 */
export function loadOrCreateSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  const stored = readSecrets(file);
  if (stored?.piiEncryptionKeys) return stored as Secrets;
  if (stored) return addPiiKey(file);
  fs.mkdirSync(dataDir, { recursive: true });
  const secrets: Secrets = { jwtSecret: newSecret(), piiHashKey: newSecret(), ...newPiiSecrets() };
  try {
    // 'wx': if another process (the app, the seed CLI) wrote the file meanwhile, its secrets win.
    fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecrets(dataDir);
    throw error;
  }
  return secrets;
}

const LOCK_WAIT_MS = 5_000;

/**
 * Adds a PII key to an existing file under a lock file: two processes upgrading it at once
 * must not each encrypt under a key of their own, of which only one would be kept.
 */
function addPiiKey(file: string): Secrets {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) {
        throw new Error(`${lock} is held for more than ${LOCK_WAIT_MS} ms: remove it if stale`, {
          cause: error,
        });
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    const stored = readSecrets(file) as Secrets;
    if (stored.piiEncryptionKeys) return stored;
    const secrets: Secrets = { ...stored, ...newPiiSecrets() };
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, file);
    return secrets;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function readSecrets(file: string): Partial<Secrets> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  const { jwtSecret, piiHashKey, piiEncryptionKeys, piiEncryptionKeyId } = (parsed ??
    {}) as Partial<Record<keyof Secrets, unknown>>;
  const filled = (value: unknown) => typeof value === 'string' && value !== '';
  // Repairing a damaged file could replace the PII key: a person has to look at it.
  if (!filled(jwtSecret) || !filled(piiHashKey)) {
    throw new Error(`${file} must hold non-empty "jwtSecret" and "piiHashKey" strings`);
  }
  if (piiEncryptionKeys === undefined && piiEncryptionKeyId === undefined) {
    return { jwtSecret: jwtSecret as string, piiHashKey: piiHashKey as string };
  }
  if (!filled(piiEncryptionKeys) || !filled(piiEncryptionKeyId)) {
    throw new Error(`${file} must hold "piiEncryptionKeys" and "piiEncryptionKeyId" together`);
  }
  return {
    jwtSecret: jwtSecret as string,
    piiHashKey: piiHashKey as string,
    piiEncryptionKeys: piiEncryptionKeys as string,
    piiEncryptionKeyId: piiEncryptionKeyId as string,
  };
}
