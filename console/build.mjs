// Builds the console (console/dist) when its inputs changed since the last build, so that
// `npm start` and `npm run test:e2e` build it on a fresh clone and cost nothing afterwards.
// `--force` builds regardless (npm run build, for the production image).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const stamp = path.join(dist, '.inputs');

/** Everything the build reads: sources, config, the README's examples, the dependencies. */
function inputs() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(full);
    }
  };
  walk(path.join(here, 'src'));
  files.push(
    path.join(here, 'index.html'),
    path.join(here, 'vite.config.mts'),
    path.join(here, 'readme-examples.ts'),
    path.join(here, 'package.json'),
    path.join(here, 'build.mjs'),
    path.join(here, '../README.md'),
    path.join(here, '../package-lock.json'),
  );
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(path.relative(here, file)).update('\0').update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

const wanted = inputs();
const built = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : undefined;
if (!process.argv.includes('--force') && built === wanted) {
  console.log('console: up to date (console/dist)');
} else {
  const started = Date.now();
  process.stdout.write('console: building console/dist (vite)... ');
  const { build } = await import('vite');
  await build({ configFile: path.join(here, 'vite.config.mts'), logLevel: 'warn' });
  fs.writeFileSync(stamp, wanted);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
