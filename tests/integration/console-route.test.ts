import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHub, type TestHub } from '../setup/test-app';

/** The hub's side of the console, on stand-in files: the browser tests (tests/e2e) use the build. */
describe('serving the console', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-hub-console-'));
  let hub: TestHub;
  let closed: TestHub;
  const at = (hubOf: TestHub, pathname: string, init?: RequestInit) =>
    fetch(new URL(pathname, hubOf.url), { redirect: 'manual', ...init });

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1);');
    fs.writeFileSync(path.join(dir, '.inputs'), 'stamp');
    [hub, closed] = await Promise.all([
      startTestHub({ config: { consoleDir: dir } }),
      startTestHub({ config: { consoleDir: dir, introspection: false } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([hub?.close(), closed?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page with a policy that lets it load nothing from another origin', async () => {
    const page = await at(hub, '/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toContain('<title>console</title>');
  });

  it('keeps hashed assets for a year, and answers unknown paths with the page', async () => {
    const asset = await at(hub, '/console/assets/index-abc123.js');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const route = await at(hub, '/console/reviews');
    expect(await route.text()).toContain('<title>console</title>');
    // A chunk of an earlier deployment is gone, not a page: the tab then knows to reload.
    const gone = await at(hub, '/console/assets/ExplorerScreen-OLDHASH.js');
    expect(gone.status).toBe(404);
    expect(await gone.text()).not.toContain('<title>console</title>');
  });

  it('never serves a file outside the build, nor its dotfiles', async () => {
    const stamp = await at(hub, '/console/.inputs');
    expect(await stamp.text()).toContain('<title>console</title>');
    for (const pathname of [
      '/console/%2e%2e/%2e%2e/package.json',
      '/console/..%2f..%2fpackage.json',
    ]) {
      const response = await at(hub, pathname);
      expect(await response.text()).not.toContain('devDependencies');
    }
    const write = await at(hub, '/console/', { method: 'POST' });
    expect(write.status).toBe(405);
  });

  it('offers the explorer only where the hub answers introspection', async () => {
    expect(await (await at(hub, '/console/settings.json')).json()).toEqual({
      explorer: true,
      timeZone: hub.clock.zone,
    });
    expect(await (await at(closed, '/console/settings.json')).json()).toEqual({
      explorer: false,
      timeZone: hub.clock.zone,
    });
  });

  it('sends a browser opening /graphql or / to the console', async () => {
    const graphql = await at(hub, '/graphql', { headers: { accept: 'text/html,*/*' } });
    expect(graphql.status).toBe(302);
    expect(graphql.headers.get('location')).toBe('/console/#/explorer');
    const root = await at(hub, '/');
    expect(root.headers.get('location')).toBe('/console/');
    // A GraphQL client's GET still reaches GraphQL.
    const query = await at(hub, '/graphql?query=%7B__typename%7D', {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(query.status).not.toBe(302);
  });
});
