import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

/** Where the console is served; the build (console/vite.config.mts) uses the same base. */
export const CONSOLE_PATH = '/console';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Everything the console loads comes from this hub: a browser on an insurer's closed network
 * refuses any other origin instead of waiting on it. Monaco (GraphiQL's editor) starts its
 * language workers from blob: URLs and sets styles inline; the fonts are data: URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export interface ConsoleSettings {
  /** The console's built files (console/dist), from `npm run console:build`. */
  dir: string;
  /** GraphiQL needs the schema by introspection: off in production unless configured. */
  explorer: boolean;
  /** The business time zone: the console shows instants as its days and hours. */
  timeZone: string;
}

/**
 * Serves the console's files under /console: hashed assets for a year, everything else
 * revalidated, unknown paths answered with index.html (the console routes in the browser),
 * but an unknown asset with 404: a tab open from before a deployment asks for a chunk that is
 * gone, and a page in its place fails as a script of the wrong type.
 * Its settings (/console/settings.json) tell it what the hub allows, so that it need not guess.
 */
export function serveConsole(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  pathname: string,
  settings: ConsoleSettings,
): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    response.end('Method not allowed');
    return;
  }
  if (pathname === CONSOLE_PATH) {
    response.writeHead(308, { location: `${CONSOLE_PATH}/` });
    response.end();
    return;
  }
  const security = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(CONSOLE_PATH.length + 1));
  } catch {
    relative = '';
  }
  if (relative === 'settings.json') {
    response.writeHead(200, {
      ...security,
      'content-type': CONTENT_TYPES['.json'],
      'cache-control': 'no-cache',
    });
    response.end(JSON.stringify({ explorer: settings.explorer, timeZone: settings.timeZone }));
    return;
  }
  const root = path.resolve(settings.dir);
  const asked = path.resolve(root, relative || 'index.html');
  // A path that leaves the folder (.., an encoded slash) is answered like any unknown one,
  // and so is a dotfile (the build's stamp).
  const inside = asked.startsWith(root + path.sep) && !/(^|[/\\])\./.test(relative);
  if (relative.startsWith('assets/') && !(inside && isFile(asked))) {
    response.writeHead(404, { ...security, 'content-type': CONTENT_TYPES['.txt'] });
    response.end('No such asset: reload the console for the current version.\n');
    return;
  }
  const file = inside && isFile(asked) ? asked : path.join(root, 'index.html');
  if (!isFile(file)) {
    response.writeHead(503, { 'content-type': CONTENT_TYPES['.txt'] });
    response.end(
      `The console is not built (no ${file}): run npm run console:build, then reload.\n`,
    );
    return;
  }
  const hashed =
    file !== path.join(root, 'index.html') && asked.includes(`${path.sep}assets${path.sep}`);
  response.writeHead(200, {
    ...security,
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-length': String(fs.statSync(file).size),
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  fs.createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
