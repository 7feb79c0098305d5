import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/config';

const ROOT = path.resolve(__dirname, '../..');

/** Read by the scratch-database helper of the tests and tooling (src/db/scratch-server.ts). */
const TOOLING_KEYS = ['TEST_DATABASE_URL', 'SCRATCH_PG_PORT'];

/** Every key parseConfig reads, found by handing it an environment that records reads. */
function keysRead(): string[] {
  const keys = new Set<string>();
  const recording = (given: Record<string, string>) =>
    new Proxy(given, {
      get(target, key) {
        if (typeof key === 'string') keys.add(key);
        return target[key as string];
      },
    });
  parseConfig(recording({}));
  // Production requires more; whatever it reads only then is recorded too.
  expect(() => parseConfig(recording({ NODE_ENV: 'production' }))).toThrow();
  return [...keys].sort();
}

/** Keys given a value (`KEY=...`) in .env.example. */
function envExampleKeys(): string[] {
  const text = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  return [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]).sort();
}

/** Keys in the first column of the table under README's "## Configuration". */
function readmeTableKeys(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1]).sort();
}

/** Keys in the environment of docker-compose.yml's `hub` service. */
function composeHubKeys(): string[] {
  const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const hub = compose.split(/^ {2}hub:$/m)[1]?.split(/^ {2}\S/m)[0] ?? '';
  const environment = hub.split(/^ {4}environment:$/m)[1]?.split(/^ {4}\S/m)[0] ?? '';
  return [...environment.matchAll(/^ {6}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]).sort();
}

describe('the configuration documents', () => {
  const keys = keysRead();

  it('find the keys parseConfig reads', () => {
    expect(keys).toEqual(expect.arrayContaining(['NODE_ENV', 'DATABASE_URL', 'PORT']));
  });

  it('list every key parseConfig reads in .env.example', () => {
    expect(keys.filter((key) => !envExampleKeys().includes(key))).toEqual([]);
  });

  it('list in .env.example only keys that something reads', () => {
    const known = [...keys, ...TOOLING_KEYS];
    expect(envExampleKeys().filter((key) => !known.includes(key))).toEqual([]);
  });

  it("list every key parseConfig reads in README's configuration table", () => {
    expect(keys.filter((key) => !readmeTableKeys().includes(key))).toEqual([]);
  });

  it("list in README's configuration table only keys that something reads", () => {
    const known = [...keys, ...TOOLING_KEYS];
    expect(readmeTableKeys().filter((key) => !known.includes(key))).toEqual([]);
  });

  it("pass every key that applies to the container to docker-compose.yml's hub", () => {
    // The image has no embedded PostgreSQL, and its data folder is fixed by the image.
    const notInContainer = ['EMBEDDED_PG_PORT', 'DATA_DIR'];
    expect(
      keys.filter((key) => !notInContainer.includes(key) && !composeHubKeys().includes(key)),
    ).toEqual([]);
  });
});
