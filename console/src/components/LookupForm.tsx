import { useState, type FormEvent } from 'react';

const KEYS = [
  ['cifNo', 'CIF number'],
  ['id', 'customer id'],
  ['mobile', 'mobile'],
  ['plate', 'plate'],
  ['vin', 'VIN'],
  ['policyNo', 'policy number'],
  ['RESIDENT_ID', 'resident ID'],
  ['PASSPORT', 'passport'],
  ['HK_MACAO_PERMIT', 'HK/Macao permit'],
  ['TAIWAN_PERMIT', 'Taiwan permit'],
  ['UNIFIED_SOCIAL_CREDIT_CODE', 'credit code'],
] as const;

/** A CustomerLookup (schema/schema.graphql): one key, any of them. */
export type Lookup = Record<string, unknown>;

const lookupOf = (key: string, value: string): Lookup =>
  /^[A-Z_]+$/.test(key) ? { identityDocument: { type: key, number: value } } : { [key]: value };

/** Finds a customer by any one key. */
export function LookupForm({ onFind }: { onFind: (by: Lookup) => void }) {
  const [key, setKey] = useState<string>('cifNo');
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onFind(lookupOf(key, value.trim()));
  };
  return (
    <form className="lookup" onSubmit={submit} role="search">
      <select aria-label="Key" value={key} onChange={(e) => setKey(e.target.value)}>
        {KEYS.map(([k, label]) => (
          <option key={k} value={k}>
            {label}
          </option>
        ))}
      </select>
      <input aria-label="Key value" value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit">Find</button>
    </form>
  );
}
