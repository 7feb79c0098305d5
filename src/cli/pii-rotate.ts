import 'reflect-metadata';
import { ConfigError, parseConfig } from '../config/config';
import { resolveSecrets } from '../config/secrets';
import { createPool } from '../db/pg';
import { PiiCipher } from '../modules/customer/pii-cipher';
import { PiiHasher } from '../modules/customer/pii-hasher';
import { MAX_ROTATION_BATCH_SIZE, PiiRotation } from '../modules/customer/pii-rotation';
import { PiiSealer } from '../modules/customer/pii-sealer';
import { withMigratedDatabase } from './database';
import { runCommand, UsageError } from './run';

const USAGE =
  'usage: npm run pii:rotate -- [--batch-size N]' +
  `  (rows per transaction, 1 to ${MAX_ROTATION_BATCH_SIZE}; default PII_ROTATION_BATCH_SIZE)`;

function parseArgs(args: string[], fallback: number): { batchSize: number } {
  let batchSize = fallback;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag !== '--batch-size') throw new UsageError(`unknown argument '${args[i]}'`);
    const raw = inline ?? args[++i];
    batchSize = Number(raw);
    if (!/^\d+$/.test(raw ?? '') || batchSize < 1 || batchSize > MAX_ROTATION_BATCH_SIZE) {
      throw new UsageError(
        `--batch-size must be a whole number from 1 to ${MAX_ROTATION_BATCH_SIZE}, got '${raw ?? ''}'`,
      );
    }
  }
  return { batchSize };
}

/**
 * `npm run pii:rotate`: re-encrypts under PII_ENCRYPTION_KEY_ID every identity number and
 * contact value stored under another key of PII_ENCRYPTION_KEYS, and seals values stored in
 * plain text before encryption at rest. Safe beside running hubs, and resumable: run it again
 * after a stop. Retire an old key from the keyring only after a run that ends with 0 left.
 */
async function main(argv: string[]): Promise<number> {
  const config = parseConfig();
  const { batchSize } = parseArgs(argv, config.piiRotationBatchSize);
  const secrets = resolveSecrets(config);
  const cipher = new PiiCipher(secrets.piiEncryptionKeys, secrets.piiEncryptionKeyId);
  return withMigratedDatabase(config, async ({ url, clock }) => {
    const pool = createPool(url, 2, clock.zone);
    try {
      const started = Date.now();
      const rotation = new PiiRotation(
        pool,
        new PiiSealer(new PiiHasher(secrets.piiHashKey), cipher),
      );
      // As the hub checks at start: a keyring missing a key stops the run at its first value,
      // and an active key given other material than its id's values were sealed with would
      // leave that id naming two keys.
      const problems = await rotation.keyringProblems();
      if (problems.length) throw new ConfigError(problems);
      const totals = await rotation.run({
        batchSize,
        onBatch: ({ table, done, total }) =>
          console.log(`${table}: ${done}/${total} under key ${cipher.activeKeyId}`),
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `Every personal value is under key ${cipher.activeKeyId}: ` +
          `${totals.map((t) => `${t.rows} ${t.table}`).join(', ')} re-encrypted in ${seconds} s`,
      );
      return 0;
    } finally {
      await pool.end();
    }
  });
}

runCommand(() => main(process.argv.slice(2)), { usage: USAGE });
