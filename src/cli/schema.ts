import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { accessTables } from '../auth/access-table';
import { buildAppSchema } from '../graphql/schema';

export const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');
export const README_FILE = path.resolve(__dirname, '../../README.md');

export async function printAppSchema(): Promise<string> {
  const schema = await buildAppSchema();
  return `# Generated from the code by \`npm run schema\`: do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

const TABLES_START = '<!-- access tables: generated from src/auth by `npm run schema` -->';
const TABLES_END = '<!-- end of access tables -->';

/** `readme` with the access tables between their markers as the code declares them. */
export async function withAccessTables(readme: string): Promise<string> {
  await buildAppSchema();
  const start = readme.indexOf(TABLES_START);
  const end = readme.indexOf(TABLES_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md must hold the markers ${TABLES_START} and ${TABLES_END}`);
  }
  return `${readme.slice(0, start + TABLES_START.length)}\n\n${accessTables()}\n\n${readme.slice(end)}`;
}

/**
 * Writes what is generated from the code (schema/schema.graphql and README's access
 * tables), or with --check fails when either differs from the code.
 */
async function main(check: boolean): Promise<number> {
  const readme = fs.readFileSync(README_FILE, 'utf8');
  const generated = [
    { file: SCHEMA_FILE, text: await printAppSchema() },
    { file: README_FILE, text: await withAccessTables(readme) },
  ];
  if (check) {
    const stale = generated.filter(
      ({ file, text }) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text,
    );
    for (const { file } of stale) {
      console.error(
        `${path.relative(process.cwd(), file)} differs from the code: run npm run schema and commit it.`,
      );
    }
    if (stale.length) return 1;
    console.log('schema/schema.graphql and the README access tables match the code.');
    return 0;
  }
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  for (const { file, text } of generated) {
    fs.writeFileSync(file, text);
    console.log(`Wrote ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.includes('--check')).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
