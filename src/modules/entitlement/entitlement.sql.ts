import { conditionsHoldSql, textLiteral, type MetricSql } from '../tier/rule-set/compile';
import { METRICS, SQL_TYPES } from '../tier/rule-set/metrics';
import type { EntitlementRuleSetDocument, Grant, ServiceDefinition } from './rule-set/document';

/** Metrics as recorded on an assignment (jsonb by metric key), typed back for comparison. */
export const recordedMetric =
  (assignment: string): MetricSql =>
  (metric) =>
    `(${assignment}.metrics->>'${metric}')::${SQL_TYPES[METRICS[metric].type]}`;

/**
 * The risk gates that withhold `serviceSql` from the customer of `assignment`, as a SQL
 * text array of "CODE: reason" (empty when none does). The same compiled conditions as the
 * tier classes, over the metric values the customer's tier was decided on.
 */
export function withheldSql(
  ruleSet: EntitlementRuleSetDocument,
  serviceSql: string,
  assignment: string,
): string {
  if (!ruleSet.riskGates.length) return `array[]::text[]`;
  const gates = ruleSet.riskGates.map(
    (gate) =>
      `case when ${serviceSql} = any(array[${gate.services.map(textLiteral).join(', ')}]::text[])
        and ${conditionsHoldSql(gate.when, recordedMetric(assignment))}
        then ${textLiteral(`${gate.code}: ${gate.reason}`)} end`,
  );
  return `array_remove(array[${gates.join(', ')}]::text[], null)`;
}

/** A service's parameters with the grant's overriding them. */
export const grantParameters = (service: ServiceDefinition, grant: Grant) => ({
  ...service.parameters,
  ...grant.parameters,
});

/**
 * One row per grant: service, name, level, fast_track, parameters (jsonb), tiers (text[]),
 * n (document order), as a VALUES list aliased `alias`.
 */
export function grantRowsSql(ruleSet: EntitlementRuleSetDocument, alias: string): string {
  const rows = ruleSet.grants.map((grant, n) => {
    const service = ruleSet.services.find((s) => s.code === grant.service)!;
    return `(${[
      textLiteral(service.code),
      textLiteral(service.name),
      textLiteral(service.level),
      String(service.fastTrack),
      `${textLiteral(JSON.stringify(grantParameters(service, grant)))}::jsonb`,
      `array[${grant.tiers.map(textLiteral).join(', ')}]::text[]`,
      String(n),
    ].join(', ')})`;
  });
  return `(values ${rows.join(', ')}) ${alias}(service, name, level, fast_track, parameters, tiers, n)`;
}
