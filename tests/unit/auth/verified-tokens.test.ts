import { Role } from '../../../src/auth/roles';
import { DEFAULT_TOKEN_SETTINGS, signToken, TokenVerifier } from '../../../src/auth/tokens';

const SECRET = 'a-development-secret-of-at-least-32-characters';
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const caller = { subject: 'agent-7', role: Role.FRONTLINE, branchCode: '3201' };

/** Only the system time moves; the verifier's own awaits keep real timers. */
function movableClock() {
  jest.useFakeTimers({
    now: Date.now(),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  return (seconds: number) => jest.setSystemTime(Date.now() + seconds * 1000);
}

describe('verified tokens', () => {
  afterEach(() => jest.useRealTimers());

  it('are taken at their word for a while, but never past their expiry', async () => {
    const advance = movableClock();
    const verifier = new TokenVerifier(DEFAULT_TOKEN_SETTINGS, SECRET, silent);
    const token = signToken(SECRET, caller, 20);
    await expect(verifier.verify(token)).resolves.toEqual(caller);
    advance(15);
    await expect(verifier.verify(token)).resolves.toEqual(caller);
    // Past expiry and the tolerance for clock skew between issuer and hub.
    advance(40);
    await expect(verifier.verify(token)).rejects.toThrow(/expired/);
  });

  it('check the signature again after a minute', async () => {
    const advance = movableClock();
    const verifier = new TokenVerifier(DEFAULT_TOKEN_SETTINGS, SECRET, silent);
    const token = signToken(SECRET, caller, 3600);
    await expect(verifier.verify(token)).resolves.toEqual(caller);
    const checks = jest.spyOn(verifier as unknown as { check(t: string): unknown }, 'check');
    advance(30);
    await verifier.verify(token);
    expect(checks).not.toHaveBeenCalled();
    advance(31);
    await verifier.verify(token);
    expect(checks).toHaveBeenCalledTimes(1);
  });

  it('are kept apart: a token that fails its checks is never served from another', async () => {
    const verifier = new TokenVerifier(DEFAULT_TOKEN_SETTINGS, SECRET, silent);
    const good = signToken(SECRET, caller, 3600);
    await verifier.verify(good);
    const forged = `${good.slice(0, good.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    await expect(verifier.verify(forged)).rejects.toThrow(/signature/);
  });
});
