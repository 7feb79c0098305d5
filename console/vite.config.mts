import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
export const README = path.resolve(here, '../README.md');

/**
 * The README's GraphQL examples as the explorer's first tabs, read at build time so that the
 * explorer shows what the README says (tests/integration/readme-examples.test.ts runs the
 * same blocks): each ```graphql block, with the variables of a ```json block right after it.
 */
function readmeExamples(): Plugin {
  const id = 'virtual:readme-examples';
  return {
    name: 'readme-examples',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load(resolved) {
      if (resolved !== `\0${id}`) return undefined;
      this.addWatchFile(README);
      const text = fs.readFileSync(README, 'utf8');
      const blocks = [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
      const examples = blocks.flatMap((block, i) => {
        if (block[1] !== 'graphql') return [];
        const next = blocks[i + 1];
        const between = text.slice(block.index + block[0].length, next?.index ?? text.length);
        const variables = next?.[1] === 'json' && between.trim() === '' ? next[2] : undefined;
        return [{ query: block[2], variables }];
      });
      return `export default ${JSON.stringify(examples)};`;
    },
  };
}

export default defineConfig({
  root: here,
  // The hub serves the build here (src/http/console.ts).
  base: '/console/',
  plugins: [readmeExamples()],
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
