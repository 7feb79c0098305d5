import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { HISTORY_PLUGIN } from '@graphiql/plugin-history';
import { GraphiQL } from 'graphiql';
import { useMemo } from 'react';
import examples from 'virtual:readme-examples';
import { explorerStorage, refuseSession, type Session } from '../session';

const explorer = explorerPlugin();

/** GraphiQL on the hub's /graphql, as the signed-in caller, the README's examples in tabs. */
export default function ExplorerScreen({ session }: { session: Session }) {
  const fetcher = useMemo(
    () => async (params: unknown, options?: { headers?: Record<string, unknown> }) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${session.token}`,
          // Headers typed into the editor win: another token, for one request.
          ...(options?.headers as Record<string, string> | undefined),
        },
        body: JSON.stringify(params),
      });
      const body = (await response.json()) as { errors?: { message: string }[] };
      // A token typed into the headers for one request is not the signed-in one.
      const ownToken = !Object.keys(options?.headers ?? {}).some(
        (name) => name.toLowerCase() === 'authorization',
      );
      if (response.status === 401 && ownToken) {
        refuseSession(body.errors?.[0]?.message ?? response.statusText);
      }
      return body;
    },
    [session.token],
  );
  return (
    <div className="explorer" data-testid="explorer">
      <GraphiQL
        fetcher={fetcher}
        plugins={[HISTORY_PLUGIN, explorer]}
        defaultTabs={examples}
        defaultEditorToolsVisibility
        storage={explorerStorage}
      />
    </div>
  );
}
