import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildAppSchema } from '../graphql/schema';

export const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');

export async function printAppSchema(): Promise<string> {
  const schema = await buildAppSchema();
  return `# Generated from the code by \`npm run schema\`: do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** Writes schema/schema.graphql, or with --check fails when it differs from the code. */
async function main(check: boolean): Promise<number> {
  const printed = await printAppSchema();
  if (check) {
    const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (committed !== printed) {
      console.error(
        'schema/schema.graphql differs from the code: run npm run schema and commit it.',
      );
      return 1;
    }
    console.log('schema/schema.graphql matches the code.');
    return 0;
  }
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, printed);
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
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
