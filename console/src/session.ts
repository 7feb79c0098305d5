/** The roles of src/auth/roles.ts. */
export type Role = 'frontline' | 'underwriting' | 'marketing' | 'steward' | 'ingest' | 'admin';

export interface Session {
  token: string;
  role: Role;
  subject: string;
  branch: string;
  /** Seconds since the epoch. */
  expires: number;
}

const KEY = 'cif-hub-console-token';

/**
 * What a token says about its caller, read without verifying it: the console only picks
 * which screens to offer. The hub verifies the token on every request and decides.
 */
export function readToken(token: string): Session | undefined {
  const part = token.trim().split('.')[1];
  if (!part) return undefined;
  try {
    // base64url of UTF-8: a subject may be 张三.
    const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
      c.charCodeAt(0),
    );
    const json = new TextDecoder().decode(bytes);
    const claims = JSON.parse(json) as { role?: Role; sub?: string; branch?: string; exp?: number };
    if (!claims.role || !claims.sub) return undefined;
    return {
      token: token.trim(),
      role: claims.role,
      subject: claims.sub,
      branch: claims.branch ?? '',
      expires: claims.exp ?? 0,
    };
  } catch {
    return undefined;
  }
}

// The tab's session storage: a bearer token should not outlive the tab it was pasted into.
export function storedSession(): Session | undefined {
  const token = sessionStorage.getItem(KEY);
  const session = token ? readToken(token) : undefined;
  return session && session.expires * 1000 > Date.now() ? session : undefined;
}

const EXPLORER_PREFIX = 'graphiql:';
const explorerKeys = () => Object.keys(sessionStorage).filter((k) => k.startsWith(EXPLORER_PREFIX));

/**
 * Where the explorer keeps its tabs, variables and history: the tab's session storage, under
 * GraphiQL's prefix. GraphiQL's own default is local storage, there for every later user of
 * the browser, and a mobile typed as a variable is personal data. Cleared at sign-out.
 */
export const explorerStorage = {
  getItem: (key: string) => sessionStorage.getItem(key),
  // GraphiQL saves its tabs as it unmounts, and on a timer: after sign-out (the token gone)
  // such a late write would keep what the caller typed for the next one.
  setItem: (key: string, value: string) => {
    if (sessionStorage.getItem(KEY) !== null) sessionStorage.setItem(key, value);
  },
  removeItem: (key: string) => sessionStorage.removeItem(key),
  get length() {
    return explorerKeys().length;
  },
  clear() {
    for (const key of explorerKeys()) sessionStorage.removeItem(key);
  },
};

/**
 * Dispatched on the window when the hub answers 401 to the signed-in token (expired, revoked
 * signing key, branch closed): the console goes back to sign-in, saying why.
 */
export const SESSION_REFUSED = 'cif-hub:session-refused';

export function refuseSession(reason: string): void {
  dispatchEvent(new CustomEvent(SESSION_REFUSED, { detail: reason }));
}

export function keepSession(session: Session | undefined): void {
  if (session) {
    sessionStorage.setItem(KEY, session.token);
    return;
  }
  sessionStorage.removeItem(KEY);
  // What one caller typed into the explorer is not the next one's to read.
  explorerStorage.clear();
}

export type ScreenId = 'customers' | 'reviews' | 'rules' | 'explorer';

/** Which role opens which screen: the operations each screen calls (src/auth/access.ts). */
export const SCREENS: { id: ScreenId; title: string; roles: Role[] }[] = [
  { id: 'customers', title: 'Customers', roles: ['frontline', 'underwriting', 'steward', 'admin'] },
  { id: 'reviews', title: 'Review queue', roles: ['steward', 'admin'] },
  { id: 'rules', title: 'Rule sets', roles: ['admin'] },
  {
    id: 'explorer',
    title: 'Query explorer',
    roles: ['frontline', 'underwriting', 'marketing', 'steward', 'ingest', 'admin'],
  },
];

export type RevealField = 'identityNumber' | 'contactValue';

/** Who may state which purpose, and what it unmasks (REVEALS in src/auth/access.ts). */
const REVEALS: Record<string, { roles: Role[]; fields: RevealField[] }> = {
  CLAIM_CONTACT: { roles: ['frontline'], fields: ['contactValue'] },
  SERVICE_CALLBACK: { roles: ['frontline'], fields: ['contactValue'] },
  IDENTITY_VERIFICATION: { roles: ['frontline', 'underwriting'], fields: ['identityNumber'] },
  UNDERWRITING_CHECK: { roles: ['underwriting'], fields: ['identityNumber', 'contactValue'] },
  DATA_CORRECTION: { roles: ['steward'], fields: ['identityNumber', 'contactValue'] },
};

export const revealPurposes = (role: Role, field: RevealField): string[] =>
  Object.entries(REVEALS)
    .filter(([, r]) => r.roles.includes(role) && r.fields.includes(field))
    .map(([purpose]) => purpose);
