import { useEffect, useState } from 'react';
import { ApiError, describeError, gql } from '../api';
import {
  SegmentChart,
  TransitionMatrix,
  type SegmentCount,
  type Transition,
} from '../components/charts';
import { JsonEditor, type Problem } from '../components/JsonEditor';
import type { Session } from '../session';
import { businessMinute } from '../time';

type Kind = 'TIER' | 'ENTITLEMENT';

interface Version {
  id: string;
  version: number;
  status: 'DRAFT' | 'ACTIVE' | 'RETIRED';
  note: string;
  createdBy: string;
  createdAt: string;
  activatedAt: string | null;
  document: Record<string, unknown>;
}

// The newest hundred, and the active version however many drafts came after it.
const VERSION_FIELDS = 'id version status note createdBy createdAt activatedAt document';
const VERSIONS = `query RuleSetVersions($kind: RuleSetKind!) {
  ruleSetVersions(kind: $kind, first: 100) { totalCount nodes { ${VERSION_FIELDS} } }
  active: ruleSetVersions(kind: $kind, status: [ACTIVE], first: 1) { nodes { ${VERSION_FIELDS} } } }`;
const CREATE = `mutation CreateDraft($input: RuleSetDraftInput!) {
  createRuleSetDraft(input: $input) { id version valid problems { path rule message } } }`;
const VALIDATE = `query Validate($id: ID!, $alongWith: ID) {
  validateRuleSetVersion(id: $id, alongWith: $alongWith) { valid problems { path rule message } } }`;
// Drafts of the other kind, to switch with this one (a tier renamed and the grants naming it).
const OTHER_DRAFTS = `query OtherDrafts($kind: RuleSetKind!) {
  ruleSetVersions(kind: $kind, status: [DRAFT], first: 50) { nodes { id version note } } }`;
const SIMULATE = `query Simulate($id: ID!) {
  overall: simulateTierRuleSet(id: $id) { fromTier toTier customers }
  byBranch: simulateTierRuleSet(id: $id, byBranch: true) { fromTier toTier branchCode customers } }`;
const SEGMENTS = `query Segments { tierSegmentSummary(byBranch: true) { tier branchCode customers } }`;
const ACTIVATE = `mutation Activate($id: ID!, $alongWith: ID) {
  activateRuleSetVersion(id: $id, alongWith: $alongWith) { id state } }`;
const ACTIVATION = `query Activation($id: ID!) { ruleSetActivation(id: $id) {
  id state customersTotal customersDone customersChanged error } }`;

interface Activation {
  id: string;
  state: string;
  customersTotal?: number | null;
  customersDone?: number;
  customersChanged?: number | null;
  error?: string | null;
}

/** Tier codes best first, from a tier rule document's ranks. */
const tierOrder = (document: Record<string, unknown> | undefined): string[] => {
  const tiers = (document?.tiers ?? []) as { code: string; rank: number }[];
  return Array.isArray(tiers) ? [...tiers].sort((a, b) => a.rank - b.rank).map((t) => t.code) : [];
};

const pretty = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Rule set versions: read them, draft from the active one, validate, simulate, activate. */
export function RuleSetsScreen({ session }: { session: Session }) {
  const [kind, setKind] = useState<Kind>('TIER');
  const [versions, setVersions] = useState<Version[]>([]);
  const [selectedId, setSelectedId] = useState<string>();
  const [editing, setEditing] = useState<{ text: string; note: string; from: number }>();
  const [problems, setProblems] = useState<Problem[]>([]);
  const [verdict, setVerdict] = useState<string>();
  const [focus, setFocus] = useState<{ path: string; at: number }>();
  const [simulation, setSimulation] = useState<{ overall: Transition[]; byBranch: Transition[] }>();
  const [branch, setBranch] = useState('');
  const [segments, setSegments] = useState<SegmentCount[]>();
  const [activation, setActivation] = useState<Activation>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [otherDrafts, setOtherDrafts] = useState<{ id: string; version: number; note: string }[]>(
    [],
  );
  // The draft chosen to go with the selected one: a choice for another draft does not carry over.
  const [along, setAlong] = useState<{ draft: string; with: string }>();
  const otherKind: Kind = kind === 'TIER' ? 'ENTITLEMENT' : 'TIER';

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  // Bumped after a save or an activation: the versions and the summary are read again.
  const [generation, setGeneration] = useState(0);
  const reload = () => setGeneration((g) => g + 1);

  useEffect(() => {
    let current = true;
    const failed = (e: Error) => current && setError(describeError(e));
    gql<{ ruleSetVersions: { nodes: Version[] }; active: { nodes: Version[] } }>(
      session.token,
      VERSIONS,
      { kind },
    ).then((data) => {
      const newest = data.ruleSetVersions.nodes;
      const older = data.active.nodes.filter((a) => !newest.some((v) => v.id === a.id));
      if (current) setVersions([...newest, ...older]);
    }, failed);
    if (kind === 'TIER') {
      gql<{ tierSegmentSummary: SegmentCount[] }>(session.token, SEGMENTS).then(
        (data) => current && setSegments(data.tierSegmentSummary),
        failed,
      );
    }
    return () => {
      current = false;
    };
  }, [kind, session.token, generation]);

  const chooseKind = (next: Kind) => {
    setKind(next);
    setSelectedId(undefined);
    setEditing(undefined);
    setProblems([]);
    setVerdict(undefined);
    setSimulation(undefined);
    setActivation(undefined);
  };

  const selected = versions.find((v) => v.id === selectedId);
  const alongWith = selected && along?.draft === selected.id ? along.with : '';
  const active = versions.find((v) => v.status === 'ACTIVE');
  const tiers = tierOrder(kind === 'TIER' ? (selected ?? active)?.document : active?.document);

  const select = (version: Version) => {
    setSelectedId(version.id);
    setEditing(undefined);
    setProblems([]);
    setVerdict(undefined);
    setSimulation(undefined);
    setActivation(undefined);
  };

  const startDraft = (from: Version) => {
    select(from);
    setEditing({ text: pretty(from.document), note: '', from: from.version });
  };

  const save = () =>
    run(async () => {
      if (!editing) return;
      let document: unknown;
      try {
        document = JSON.parse(editing.text);
      } catch (e) {
        setVerdict(`Not JSON: ${(e as Error).message}`);
        return;
      }
      const data = await gql<{
        createRuleSetDraft: { id: string; version: number; valid: boolean; problems: Problem[] };
      }>(session.token, CREATE, { input: { kind, document, note: editing.note } });
      const draft = data.createRuleSetDraft;
      reload();
      setSelectedId(draft.id);
      setProblems(draft.problems);
      setVerdict(
        draft.valid
          ? `Draft version ${draft.version} saved: valid.`
          : `Draft version ${draft.version} saved with ${draft.problems.length} problem(s).`,
      );
      // The editor stays open on the saved text, its problems marked, to fix and save again.
      setEditing({ ...editing, from: draft.version });
      setSimulation(undefined);
    });

  // The other kind's drafts, offered to validate and activate with the selected draft.
  useEffect(() => {
    let current = true;
    if (selected?.status !== 'DRAFT') return;
    gql<{ ruleSetVersions: { nodes: { id: string; version: number; note: string }[] } }>(
      session.token,
      OTHER_DRAFTS,
      { kind: otherKind },
    ).then(
      (data) => current && setOtherDrafts(data.ruleSetVersions.nodes),
      (e: Error) => current && setError(describeError(e)),
    );
    return () => {
      current = false;
    };
  }, [selected?.id, selected?.status, otherKind, session.token, generation]);

  /** The selected version's problems, listed and marked in the editor. */
  const showProblems = async (version: Version) => {
    const data = await gql<{ validateRuleSetVersion: { valid: boolean; problems: Problem[] } }>(
      session.token,
      VALIDATE,
      { id: version.id, alongWith: alongWith || null },
    );
    setProblems(data.validateRuleSetVersion.problems);
    setVerdict(
      data.validateRuleSetVersion.valid
        ? `Version ${version.version} is valid.`
        : `Version ${version.version} has ${data.validateRuleSetVersion.problems.length} problem(s).`,
    );
  };

  const validate = () =>
    run(async () => {
      if (selected) await showProblems(selected);
    });

  const simulate = () =>
    run(async () => {
      if (!selected) return;
      const data = await gql<{ overall: Transition[]; byBranch: Transition[] }>(
        session.token,
        SIMULATE,
        { id: selected.id },
      );
      setSimulation(data);
      setBranch('');
    });

  const activate = () =>
    run(async () => {
      if (!selected) return;
      const started = await gql<{ activateRuleSetVersion: Activation }>(session.token, ACTIVATE, {
        id: selected.id,
        alongWith: alongWith || null,
      }).catch(async (e: unknown) => {
        // Refused for what its documents say: every problem listed and marked, as Validate does.
        if (e instanceof ApiError && e.code === 'BAD_USER_INPUT') await showProblems(selected);
        throw e;
      });
      let job = started.activateRuleSetVersion;
      setActivation(job);
      // A tier activation recomputes every customer: follow the job until it ends.
      while (job.state === 'QUEUED' || job.state === 'RUNNING') {
        await new Promise((resolve) => setTimeout(resolve, 500));
        job = (
          await gql<{ ruleSetActivation: Activation }>(session.token, ACTIVATION, { id: job.id })
        ).ruleSetActivation;
        setActivation(job);
      }
      reload();
    });

  const branches = [...new Set(simulation?.byBranch.map((t) => t.branchCode ?? '—') ?? [])].sort();

  return (
    <section className="rule-sets">
      <h1>Rule sets</h1>
      <div className="toolbar" role="group" aria-label="Kind">
        {(['TIER', 'ENTITLEMENT'] as Kind[]).map((k) => (
          <button key={k} type="button" aria-pressed={k === kind} onClick={() => chooseKind(k)}>
            {k === 'TIER' ? 'Tier rules' : 'Entitlement rules'}
          </button>
        ))}
        {active && (
          <button type="button" onClick={() => startDraft(active)} disabled={busy}>
            New draft from active version {active.version}
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="columns">
        <table className="versions">
          <caption>{kind === 'TIER' ? 'Tier' : 'Entitlement'} rule versions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">version</th>
              <th scope="col">status</th>
              <th scope="col">note</th>
              <th scope="col">by</th>
              <th scope="col">created</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr
                key={v.id}
                aria-selected={v.id === selectedId}
                data-version={v.version}
                onClick={() => select(v)}
              >
                <td>
                  <button type="button" className="link">
                    v{v.version}
                  </button>
                </td>
                <td>
                  <span className={`status ${v.status.toLowerCase()}`}>{v.status}</span>
                </td>
                <td>{v.note}</td>
                <td>{v.createdBy}</td>
                <td>{businessMinute(v.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="detail">
          {editing ? (
            <>
              <h2>Draft from version {editing.from}</h2>
              <label>
                Note{' '}
                <input
                  value={editing.note}
                  onChange={(e) => setEditing({ ...editing, note: e.target.value })}
                  placeholder="why this change"
                />
              </label>
              <div className="editor-with-problems">
                <JsonEditor
                  value={editing.text}
                  onChange={(text) => setEditing((e) => (e ? { ...e, text } : e))}
                  problems={problems}
                  focus={focus}
                />
                <ProblemList
                  problems={problems}
                  onPick={(path) => setFocus({ path, at: Date.now() })}
                />
              </div>
              <div className="toolbar">
                <button type="button" onClick={save} disabled={busy || !editing.note.trim()}>
                  Save draft
                </button>
                <button type="button" onClick={() => setEditing(undefined)}>
                  Close editor
                </button>
              </div>
            </>
          ) : selected ? (
            <>
              <h2>
                Version {selected.version} · {selected.status}
              </h2>
              <p>{selected.note}</p>
              <div className="editor-with-problems">
                <JsonEditor
                  value={pretty(selected.document)}
                  problems={problems}
                  readOnly
                  focus={focus}
                />
                <ProblemList
                  problems={problems}
                  onPick={(path) => setFocus({ path, at: Date.now() })}
                />
              </div>
              <div className="toolbar">
                <button type="button" onClick={() => startDraft(selected)} disabled={busy}>
                  Edit as a new draft
                </button>
              </div>
            </>
          ) : (
            <p>Pick a version to read its document, or start a draft from the active one.</p>
          )}
          {selected?.status === 'DRAFT' && (
            <div className="toolbar" role="group" aria-label="Draft actions">
              <span>Draft v{selected.version}:</span>
              <button type="button" onClick={validate} disabled={busy}>
                Validate
              </button>
              {kind === 'TIER' && (
                <button type="button" onClick={simulate} disabled={busy}>
                  Simulate
                </button>
              )}
              <label>
                with{' '}
                <select
                  aria-label="Along with"
                  value={alongWith}
                  onChange={(e) =>
                    selected && setAlong({ draft: selected.id, with: e.target.value })
                  }
                  disabled={busy}
                >
                  <option value="">no other draft</option>
                  {otherDrafts.map((d) => (
                    <option key={d.id} value={d.id}>
                      {otherKind === 'TIER' ? 'tier' : 'entitlement'} draft v{d.version}: {d.note}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" onClick={activate} disabled={busy}>
                Activate
              </button>
            </div>
          )}
          {verdict && (
            <p className="verdict" role="status">
              {verdict}
            </p>
          )}
          {activation && (
            <p role="status" data-testid="activation">
              Activation {activation.state}
              {activation.customersTotal != null &&
                `: ${activation.customersDone} of ${activation.customersTotal} customers, ${activation.customersChanged ?? 0} changed`}
              {activation.error && ` (${activation.error})`}
            </p>
          )}
        </div>
      </div>
      {simulation && (
        <section aria-label="Simulation">
          <h2>What activating version {selected?.version} would do</h2>
          <TransitionMatrix transitions={simulation.overall} tiers={tiers} caption="All branches" />
          <label>
            Branch{' '}
            <select value={branch} onChange={(e) => setBranch(e.target.value)} aria-label="Branch">
              <option value="">choose a branch</option>
              {branches.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </label>
          {branch && (
            <TransitionMatrix
              transitions={simulation.byBranch.filter((t) => (t.branchCode ?? '—') === branch)}
              tiers={tiers}
              caption={`Branch ${branch}`}
            />
          )}
        </section>
      )}
      {kind === 'TIER' && segments && (
        <section aria-label="Segment summary">
          <h2>Customers per tier and branch today</h2>
          <SegmentChart counts={segments} tiers={tiers} />
        </section>
      )}
    </section>
  );
}

function ProblemList({
  problems,
  onPick,
}: {
  problems: Problem[];
  onPick: (path: string) => void;
}) {
  if (!problems.length) return null;
  return (
    <ol className="problems" aria-label="Problems">
      {problems.map((p, i) => (
        <li key={i} data-path={p.path}>
          <button type="button" className="link" onClick={() => onPick(p.path)}>
            <code>{p.path}</code>
          </button>{' '}
          <span className="rule">{p.rule}</span> {p.message}
        </li>
      ))}
    </ol>
  );
}
