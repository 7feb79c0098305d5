import fs from 'node:fs';
import {
  printAppSchema,
  README_FILE,
  SCHEMA_FILE,
  withGeneratedSections,
} from '../../src/cli/schema';

describe('the committed schema', () => {
  it('is exactly what the code builds (run npm run schema after changing the API)', async () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(await printAppSchema());
  });

  it("README's access tables and ingestion field rules are the declarations (run npm run schema after changing them)", async () => {
    const readme = fs.readFileSync(README_FILE, 'utf8');
    expect(readme).toBe(await withGeneratedSections(readme));
  });
});
