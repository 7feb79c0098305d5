import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { loadSettings, type ConsoleSettings } from './api';
import { setBusinessZone } from './time';
import {
  keepSession,
  readToken,
  SCREENS,
  SESSION_REFUSED,
  storedSession,
  type ScreenId,
  type Session,
} from './session';
import { CustomerScreen } from './screens/CustomerScreen';
import { ReviewQueueScreen } from './screens/ReviewQueueScreen';
import { RuleSetsScreen } from './screens/RuleSetsScreen';

// GraphiQL brings Monaco, most of the console's bytes: loaded only when the explorer opens.
const ExplorerScreen = lazy(() => import('./screens/ExplorerScreen'));

const screenOfHash = (): ScreenId | undefined => {
  const id = location.hash.replace(/^#\/?/, '').split('/')[0];
  return SCREENS.find((s) => s.id === id)?.id;
};

export function App() {
  const [session, setSession] = useState(storedSession);
  const [screen, setScreen] = useState(screenOfHash);
  const [settings, setSettings] = useState<ConsoleSettings>();
  // Why the last session ended, when the console ended it rather than the caller.
  const [ended, setEnded] = useState<string>();

  useEffect(() => {
    if (!session) return;
    const end = (reason: string) => {
      keepSession(undefined);
      setSession(undefined);
      setEnded(reason);
    };
    const onRefused = (event: Event) =>
      end(`The hub refused the token: ${(event as CustomEvent<string>).detail}`);
    addEventListener(SESSION_REFUSED, onRefused);
    // setTimeout fires at once past 2^31 - 1 ms; no token the hub accepts lives that long.
    const timer = setTimeout(
      () => end('The token has expired.'),
      Math.min(session.expires * 1000 - Date.now(), 2 ** 31 - 1),
    );
    return () => {
      clearTimeout(timer);
      removeEventListener(SESSION_REFUSED, onRefused);
    };
  }, [session]);

  useEffect(() => {
    const onHash = () => setScreen(screenOfHash());
    addEventListener('hashchange', onHash);
    loadSettings().then(
      (loaded) => {
        setBusinessZone(loaded.timeZone);
        setSettings(loaded);
      },
      () => setSettings({ explorer: false }),
    );
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (!session) {
    return (
      <SignIn
        ended={ended}
        onSignIn={(s) => {
          keepSession(s);
          setEnded(undefined);
          setSession(s);
        }}
      />
    );
  }
  const allowed = SCREENS.filter((s) => s.roles.includes(session.role));
  const current = screen ?? allowed[0]?.id ?? 'explorer';
  const permitted = allowed.some((s) => s.id === current);
  const title = SCREENS.find((s) => s.id === current)?.title ?? current;

  return (
    <div className="app">
      <header>
        <strong>cif-hub console</strong>
        <nav aria-label="Screens">
          {allowed.map((s) => (
            <a key={s.id} href={`#/${s.id}`} aria-current={s.id === current ? 'page' : undefined}>
              {s.title}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {session.subject} · {session.role} · branch {session.branch}
        </span>
        <button
          type="button"
          onClick={() => {
            keepSession(undefined);
            setSession(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {!permitted ? (
          <section role="alert" className="refused">
            <h1>{title}</h1>
            <p>
              The role <code>{session.role}</code> cannot open the {title.toLowerCase()}. The hub
              refuses its operations to this role too.
            </p>
          </section>
        ) : current === 'explorer' ? (
          settings === undefined ? (
            <p>Loading…</p>
          ) : settings.explorer ? (
            <Suspense fallback={<p>Loading the explorer…</p>}>
              <ExplorerScreen session={session} />
            </Suspense>
          ) : (
            <section role="alert">
              <h1>Query explorer</h1>
              <p>
                The explorer is off: this hub does not answer introspection, as in production.
                GRAPHQL_INTROSPECTION=true turns both on.
              </p>
            </section>
          )
        ) : current === 'rules' ? (
          <RuleSetsScreen session={session} />
        ) : current === 'reviews' ? (
          <ReviewQueueScreen session={session} />
        ) : (
          <CustomerScreen session={session} />
        )}
      </main>
    </div>
  );
}

function SignIn({ ended, onSignIn }: { ended?: string; onSignIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const session = readToken(token);
    if (!session) setProblem('This is not a bearer token the hub issues (a JWT with a role).');
    else if (session.expires * 1000 <= Date.now()) setProblem('This token has expired.');
    else onSignIn(session);
  };
  return (
    <main className="sign-in">
      <h1>cif-hub console</h1>
      <form onSubmit={submit}>
        {ended && (
          <p role="status" data-testid="session-ended">
            {ended} Sign in again.
          </p>
        )}
        <label htmlFor="token">Bearer token</label>
        <textarea
          id="token"
          rows={5}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="eyJhbGciOi…"
        />
        <p className="hint">
          In development, <code>npm start</code> prints a token for every role. Elsewhere, use the
          token your identity provider issues. It is kept in this tab only.
        </p>
        {problem && <p role="alert">{problem}</p>}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
