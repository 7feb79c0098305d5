import fs from 'node:fs';
import { printAppSchema, SCHEMA_FILE } from '../../src/cli/schema';

describe('the committed schema', () => {
  it('is exactly what the code builds (run npm run schema after changing the API)', async () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(await printAppSchema());
  });
});
