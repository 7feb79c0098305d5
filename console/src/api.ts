import { refuseSession } from './session';

/** The hub's GraphQL endpoint, on the origin that served the console. */
const ENDPOINT = '/graphql';

export interface ApiErrorDetail {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

/** A GraphQL answer with errors: the first one's code decides what the screen says. */
export class ApiError extends Error {
  constructor(readonly errors: ApiErrorDetail[]) {
    super(errors.map((e) => e.message).join('; '));
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/**
 * What a screen says of a failure: for the hub's answer its code, rule and field with the
 * message (`BAD_USER_INPUT UNKNOWN_METRIC document.tiers[0]…: …`), as the API gives them.
 * A message that opens with its field (`by.id: must be a UUID`) names it once.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const { code, rule, field } = error.errors[0]?.extensions ?? {};
  const named = typeof field === 'string' && error.message.startsWith(`${field}:`);
  const said = [code ?? 'ERROR', rule, named ? undefined : field].filter(
    (part) => typeof part === 'string',
  );
  return `${said.join(' ')}${named ? ' ' : ': '}${error.message}`;
}

/** A page of a connection (the hub's lists: `first`, `after`), as the screens select it. */
export interface Connection<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

/** Runs an operation as the signed-in caller; any error in the answer is thrown. */
export async function gql<T>(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: ApiErrorDetail[] };
  if (response.status === 401) refuseSession(body.errors?.[0]?.message ?? response.statusText);
  if (body.errors?.length) throw new ApiError(body.errors);
  return body.data as T;
}

/** What the hub allows the console (src/http/console.ts). */
export interface ConsoleSettings {
  explorer: boolean;
  /** The business time zone (src/time/clock.ts); absent from a hub that does not say. */
  timeZone?: string;
}

export async function loadSettings(): Promise<ConsoleSettings> {
  const response = await fetch('settings.json');
  return (await response.json()) as ConsoleSettings;
}
