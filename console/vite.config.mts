import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { readmeExamples } from './readme-examples.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const README = path.resolve(here, '../README.md');

/**
 * The README's GraphQL examples as the explorer's first tabs, read at build time so that the
 * explorer shows what the README says, with the variables it states (readme-examples.ts).
 */
function readmeExamplesModule(): Plugin {
  const id = 'virtual:readme-examples';
  return {
    name: 'readme-examples',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load(resolved) {
      if (resolved !== `\0${id}`) return undefined;
      this.addWatchFile(README);
      const examples = readmeExamples(fs.readFileSync(README, 'utf8'));
      return `export default ${JSON.stringify(examples)};`;
    },
  };
}

export default defineConfig({
  root: here,
  // The hub serves the build here (src/http/console.ts).
  base: '/console/',
  plugins: [readmeExamplesModule()],
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Monaco (GraphiQL's editor) is large by nature; it loads only with the explorer.
    chunkSizeWarningLimit: 5000,
    reportCompressedSize: false,
    rolldownOptions: {
      // framer-motion (GraphiQL's) marks its modules "use client", which means nothing here.
      onLog(level, log, handler) {
        if (log.code !== 'MODULE_LEVEL_DIRECTIVE') handler(level, log);
      },
    },
  },
  worker: { format: 'es' },
});
