import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { accessTables } from '../auth/access-table';
import { buildAppSchema } from '../graphql/schema';
import { fieldRuleRows } from '../modules/ingestion/field-rules';
import { markdownTable } from './markdown-table';

export const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');
export const README_FILE = path.resolve(__dirname, '../../README.md');

export async function printAppSchema(): Promise<string> {
  const schema = await buildAppSchema();
  return `# Generated from the code by \`npm run schema\`: do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** README's sections written from declarations in the code, each between its markers. */
const SECTIONS = [
  {
    start: '<!-- access tables: generated from src/auth by `npm run schema` -->',
    end: '<!-- end of access tables -->',
    text: accessTables,
  },
  {
    start:
      '<!-- ingestion field rules: generated from src/modules/ingestion/field-rules.ts by `npm run schema` -->',
    end: '<!-- end of ingestion field rules -->',
    text: fieldRuleTable,
  },
];

function fieldRuleTable(): string {
  const yes = (flag: boolean) => (flag ? 'yes' : '—');
  return markdownTable(
    [
      'field',
      'at most (characters)',
      'full-width digits and letters read as ASCII',
      'not blank',
      'also',
    ],
    fieldRuleRows().map((r) => [
      `\`${r.field}\`${r.variant ? ` (${r.variant})` : ''}`,
      r.max === undefined ? '—' : String(r.max),
      yes(r.asciiDigitsAndLetters),
      yes(r.notBlank),
      r.also ?? '—',
    ]),
  );
}

/** `readme` with its generated sections as the code declares them. */
export async function withGeneratedSections(readme: string): Promise<string> {
  // Every resolver, object and input type registers its declarations on import.
  await buildAppSchema();
  let text = readme;
  for (const { start, end, text: generate } of SECTIONS) {
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from)
      throw new Error(`README.md must hold the markers ${start} and ${end}`);
    text = `${text.slice(0, from + start.length)}\n\n${generate()}\n\n${text.slice(to)}`;
  }
  return text;
}

/**
 * Writes what is generated from the code (schema/schema.graphql and README's generated
 * sections), or with --check fails when either differs from the code.
 */
async function main(check: boolean): Promise<number> {
  const readme = fs.readFileSync(README_FILE, 'utf8');
  const generated = [
    { file: SCHEMA_FILE, text: await printAppSchema() },
    { file: README_FILE, text: await withGeneratedSections(readme) },
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
    console.log('schema/schema.graphql and the README generated sections match the code.');
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
