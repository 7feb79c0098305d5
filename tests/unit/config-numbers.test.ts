import { parseConfig } from '../../src/config/config';
import { configProblems as problems } from '../setup/config';

describe('number settings', () => {
  it('take decimal digits', () => {
    expect(parseConfig({ PORT: '4010', DB_POOL_SIZE: '12' })).toMatchObject({ port: 4010 });
  });

  it.each(['0x10', '1e3', ' 8', '8.0', '99a'])('refuse %j, naming the setting', (raw) => {
    expect(problems({ PORT: raw })).toEqual([
      `PORT must be an integer from 0 to 65535, got "${raw}"`,
    ]);
  });
});
