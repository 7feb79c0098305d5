import { useState } from 'react';
import { describeError, gql } from '../api';
import { revealPurposes, type RevealField, type Session } from '../session';

const REVEAL = `mutation Reveal($purpose: RevealPurpose!, $target: RevealTarget!) {
  reveal(purpose: $purpose, target: $target) { value auditEventId } }`;

/**
 * A masked value as the hub returned it, with a reveal for the purposes the caller's role may
 * state: the hub unmasks it for that purpose and audits it, like any other reveal.
 */
export function Masked({
  session,
  field,
  id,
  masked,
}: {
  session: Session;
  field: RevealField;
  /** The identity document's or contact point's id. */
  id: string;
  masked: string;
}) {
  const purposes = revealPurposes(session.role, field);
  const [purpose, setPurpose] = useState(purposes[0] ?? '');
  const [shown, setShown] = useState<string>();
  const [problem, setProblem] = useState<string>();
  if (shown) {
    return (
      <span className="revealed" title={`revealed for ${purpose}, audited`}>
        {shown}
      </span>
    );
  }
  const reveal = async () => {
    setProblem(undefined);
    const target = field === 'identityNumber' ? { identityDocumentId: id } : { contactPointId: id };
    try {
      const data = await gql<{ reveal: { value: string } }>(session.token, REVEAL, {
        purpose,
        target,
      });
      setShown(data.reveal.value);
    } catch (error) {
      setProblem(describeError(error));
    }
  };
  return (
    <span className="masked">
      <span>{masked}</span>
      {purposes.length > 0 && (
        <>
          <select
            aria-label={`purpose to reveal ${masked}`}
            value={purpose}
            onChange={(e) => setPurpose(e.target.value)}
          >
            {purposes.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          <button type="button" onClick={reveal}>
            Reveal
          </button>
        </>
      )}
      {problem && <span role="alert">{problem}</span>}
    </span>
  );
}
