import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Secrets {
  jwtSecret: string;
  piiHashKey: string;
}

const newSecret = () => randomBytes(48).toString('base64url');

/**
 * The secrets of a machine without configured ones, kept in `<dataDir>/secrets.json` (mode
 * 0600) so that they survive restarts: a new PII key would orphan every stored digest.
 */
export function loadOrCreateSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  const stored = readSecrets(file);
  if (stored) return stored;
  fs.mkdirSync(dataDir, { recursive: true });
  const secrets: Secrets = { jwtSecret: newSecret(), piiHashKey: newSecret() };
  try {
    // 'wx': if another process (the app, the seed CLI) wrote the file meanwhile, its secrets win.
    fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readSecrets(file)!;
    throw error;
  }
  return secrets;
}

function readSecrets(file: string): Secrets | undefined {
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
  const { jwtSecret, piiHashKey } = (parsed ?? {}) as Partial<Record<keyof Secrets, unknown>>;
  // Repairing a damaged file could replace the PII key: a person has to look at it.
  if (
    typeof jwtSecret !== 'string' ||
    !jwtSecret ||
    typeof piiHashKey !== 'string' ||
    !piiHashKey
  ) {
    throw new Error(`${file} must hold non-empty "jwtSecret" and "piiHashKey" strings`);
  }
  return { jwtSecret, piiHashKey };
}
