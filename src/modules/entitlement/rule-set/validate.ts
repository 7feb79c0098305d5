import { isHubReason } from '../reason-codes';
import {
  field,
  reachable,
  readArray,
  readCode,
  readConditions,
  readObject,
  readText,
  reportTo,
  type Json,
  type RuleSetProblem,
  type Report,
} from '../../tier/rule-set/validate';
import { ServiceLevel, type EntitlementRuleSetDocument } from './document';

export type EntitlementValidation =
  { ok: true; ruleSet: EntitlementRuleSetDocument } | { ok: false; problems: RuleSetProblem[] };

const DECIMAL = /^\d{1,12}(\.\d{1,2})?$/;

/** Each parameter's type, checked so the decision code can trust the document. */
const PARAMETERS: Record<string, { expected: string; accepts: (value: unknown) => boolean }> = {
  maxClaimAmount: {
    expected:
      'an amount as a decimal string below 1,000,000,000,000 with at most 2 decimals, e.g. "5000"',
    accepts: (v) => typeof v === 'string' && DECIMAL.test(v),
  },
  minClaimAmount: {
    expected:
      'an amount as a decimal string below 1,000,000,000,000 with at most 2 decimals, e.g. "10000"',
    accepts: (v) => typeof v === 'string' && DECIMAL.test(v),
  },
  singlePartyOnly: { expected: 'true or false', accepts: (v) => typeof v === 'boolean' },
  noInjury: { expected: 'true or false', accepts: (v) => typeof v === 'boolean' },
  partnerShopOnly: { expected: 'true or false', accepts: (v) => typeof v === 'boolean' },
  hoursFrom: {
    expected: 'an hour from 0 to 23',
    accepts: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 23,
  },
  hoursTo: {
    expected: 'an hour from 0 to 24',
    accepts: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 24,
  },
  settleWithinHours: {
    expected: 'a whole number of hours, at least 1',
    accepts: (v) => Number.isInteger(v) && (v as number) > 0,
  },
};

/**
 * Checks a service's parameters, or a grant's over its service's (`inherited`: a grant's
 * override them): each value's type, and that the two together leave some claim to meet
 * them. Returns the parameters as given, when they are an object.
 */
function checkParameters(
  report: Report,
  raw: unknown,
  path: string,
  inherited: Json = {},
): Json | undefined {
  if (raw === undefined) return undefined;
  const object = readObject(report, raw, path, 'Parameters', [], Object.keys(PARAMETERS));
  if (!object) return undefined;
  for (const [key, value] of Object.entries(object)) {
    const rule = PARAMETERS[key];
    if (rule && !rule.accepts(value)) {
      report(
        field(path, key),
        'PARAMETER',
        `${key} must be ${rule.expected}, got ${JSON.stringify(value)}`,
      );
    }
  }
  const merged: Json = { ...inherited, ...object };
  // Names a value the grant does not set itself, so that the fix is found in the service.
  const named = (key: string) =>
    `${key} ${String(merged[key])}${key in object ? '' : " (the service's)"}`;
  // Given together, by a grant too: half a window taken from the service reads as a slip.
  if ((object.hoursFrom === undefined) !== (object.hoursTo === undefined)) {
    report(path, 'PARAMETER', 'hoursFrom and hoursTo go together: give both or neither');
  }
  // Parameters no claim can meet: the service would show as granted and never be given.
  const { minClaimAmount: min, maxClaimAmount: max, hoursFrom, hoursTo } = merged;
  if (
    PARAMETERS.minClaimAmount!.accepts(min) &&
    PARAMETERS.maxClaimAmount!.accepts(max) &&
    Number(min) > Number(max)
  ) {
    report(
      path,
      'PARAMETER',
      `${named('minClaimAmount')} is above ${named('maxClaimAmount')}: no claim can meet both`,
    );
  }
  if (hoursFrom !== undefined && hoursFrom === hoursTo) {
    report(
      path,
      'PARAMETER',
      `hoursFrom and hoursTo are both ${String(hoursFrom)}: no hour is in the window`,
    );
  }
  return object;
}

/**
 * The longest lists of a document. Every profile judges each service, grant and gate for the
 * customer: a document of 20,000 services, activated, took 1.2 s a profile and 364 MB for
 * twenty policies' parties. An insurer's catalogue is a dozen services.
 */
const ENTITLEMENT_LIMITS = { services: 50, grants: 200, riskGates: 50, conditions: 12 };

/** A list that must name something: an empty one makes its rule do nothing (EMPTY). */
function readNonEmpty(
  report: Report,
  value: unknown,
  path: string,
  why: string,
  max: number,
): unknown[] {
  if (Array.isArray(value) && value.length === 0) report(path, 'EMPTY', why);
  return readArray(report, value, path, max) ?? [];
}

/**
 * Every problem of an entitlement rule set at once, or the document typed. Grants must name
 * services of the document and tiers of `tiers` (the tier rule set it will work with), each
 * service at most once per tier; gates are tier rule set conditions that can hold.
 */
export function validateEntitlementRuleSet(
  doc: unknown,
  tiers: readonly string[],
): EntitlementValidation {
  const problems: RuleSetProblem[] = [];
  const report = reportTo(problems);
  const root = readObject(report, doc, '', 'The entitlement rule set', [
    'services',
    'grants',
    'riskGates',
  ]);
  if (!root) return { ok: false, problems };

  const services = new Map<string, Json>();
  (readArray(report, root.services, 'services', ENTITLEMENT_LIMITS.services) ?? []).forEach(
    (raw, i) => {
      const path = `services[${i}]`;
      const service = readObject(report, raw, path, 'A service', [
        'code',
        'name',
        'level',
        'fastTrack',
        'description',
        'parameters',
      ]);
      if (!service) return;
      const code = readCode(report, service, path);
      readText(report, service, 'name', path);
      readText(report, service, 'description', path);
      if (!Object.values(ServiceLevel).includes(service.level as ServiceLevel)) {
        report(
          field(path, 'level'),
          'TYPE',
          `level must be one of ${Object.values(ServiceLevel).join(', ')}`,
        );
      }
      if (typeof service.fastTrack !== 'boolean')
        report(field(path, 'fastTrack'), 'TYPE', 'fastTrack must be true or false');
      const parameters = checkParameters(report, service.parameters, field(path, 'parameters'));
      if (code && services.has(code))
        report(field(path, 'code'), 'DUPLICATE_CODE', `service ${code} is defined twice`);
      else if (code) services.set(code, parameters ?? {});
    },
  );

  const knownService = (value: unknown, path: string) => {
    if (typeof value === 'string' && services.has(value)) return true;
    report(path, 'UNKNOWN_SERVICE', `${JSON.stringify(value)} is not a service of this rule set`);
    return false;
  };
  const granted = new Map<string, string>();
  (readArray(report, root.grants, 'grants', ENTITLEMENT_LIMITS.grants) ?? []).forEach((raw, i) => {
    const path = `grants[${i}]`;
    const grant = readObject(
      report,
      raw,
      path,
      'A grant',
      ['service', 'tiers', 'rationale'],
      ['parameters'],
    );
    if (!grant) return;
    readText(report, grant, 'rationale', path);
    const service = knownService(grant.service, field(path, 'service'))
      ? (grant.service as string)
      : undefined;
    checkParameters(
      report,
      grant.parameters,
      field(path, 'parameters'),
      service ? services.get(service) : undefined,
    );
    const tiersPath = field(path, 'tiers');
    // More tiers than there are names one twice, or one that is not a tier.
    readNonEmpty(
      report,
      grant.tiers,
      tiersPath,
      'a grant to no tier gives nothing',
      Math.max(tiers.length, 1),
    ).forEach((tier, j) => {
      const tierPath = `${field(path, 'tiers')}[${j}]`;
      if (typeof tier !== 'string' || !tiers.includes(tier)) {
        report(
          tierPath,
          'UNKNOWN_TIER',
          `${JSON.stringify(tier)} is not a tier of the tier rules these go with (${tiers.join(', ')})`,
        );
        return;
      }
      const key = `${service}|${tier}`;
      const earlier = granted.get(key);
      if (service && earlier) {
        report(
          tierPath,
          'DUPLICATE_GRANT',
          `${service} is granted to ${tier} twice (first at ${earlier}): which parameters apply?`,
        );
      } else if (service) granted.set(key, tierPath);
    });
  });

  const gateCodes = new Set<string>();
  (readArray(report, root.riskGates, 'riskGates', ENTITLEMENT_LIMITS.riskGates) ?? []).forEach(
    (raw, i) => {
      const path = `riskGates[${i}]`;
      const gate = readObject(report, raw, path, 'A risk gate', [
        'code',
        'services',
        'when',
        'reason',
        'rationale',
      ]) as Json | undefined;
      if (!gate) return;
      const code = readCode(report, gate, path);
      const name = code ?? path;
      // A decision's reasons name the gate by its code: two gates, or a gate and one of the
      // hub's own checks (TIER_GRANTS...), would read alike to a client acting on them.
      if (code && gateCodes.has(code))
        report(field(path, 'code'), 'DUPLICATE_CODE', `risk gate ${code} is defined twice`);
      else if (code && isHubReason(code))
        report(field(path, 'code'), 'RESERVED_CODE', `${code} is a reason code of the hub's own`);
      else if (code) gateCodes.add(code);
      readText(report, gate, 'reason', path);
      readText(report, gate, 'rationale', path);
      const servicesPath = field(path, 'services');
      readNonEmpty(
        report,
        gate.services,
        servicesPath,
        `${name} withholds no service`,
        ENTITLEMENT_LIMITS.services,
      ).forEach((s, j) => knownService(s, `${servicesPath}[${j}]`));
      const whenPath = field(path, 'when');
      const when = readArray(report, gate.when, whenPath, ENTITLEMENT_LIMITS.conditions) ?? [];
      if (Array.isArray(gate.when) && gate.when.length === 0)
        report(whenPath, 'EMPTY', `${name} has no condition, so it would never withhold anything`);
      reachable(report, { name, conditions: readConditions(report, when, whenPath, name) });
    },
  );

  return problems.length
    ? { ok: false, problems }
    : { ok: true, ruleSet: doc as EntitlementRuleSetDocument };
}
