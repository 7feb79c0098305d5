import { DEFAULT_THRESHOLDS, type MatchThresholds } from './weights';

/** How matching decides: configuration (the MATCH_* settings). */
export interface MatchSettings {
  thresholds: MatchThresholds;
  /** A mobile or e-mail carried by records of this many different names is generic. */
  genericHolders: number;
  /**
   * The population a name's frequency is taken against. Fixed, not the live record count:
   * a weight that moved with every record loaded would make the result depend on the order.
   */
  namePopulation: number;
}

/**
 * A family shares a mobile among two to four names; a dealer's or an agent's number is on
 * dozens of customers' records.
 */
export const DEFAULT_GENERIC_HOLDERS = 5;

/**
 * The contact kinds that can turn generic. Not an address: a household of three generations
 * lives at one, under five names or more, and it reaches them all (contact authenticity is
 * about whether a number reaches its customer); it stays evidence, weighed as any other.
 */
export const GENERIC_KINDS = ['MOBILE', 'EMAIL'] as const;
export type GenericKind = (typeof GENERIC_KINDS)[number];

export const isGenericKind = (kind: string): kind is GenericKind =>
  (GENERIC_KINDS as readonly string[]).includes(kind);

/** GENERIC_KINDS as an SQL list: `'MOBILE', 'EMAIL'`. */
export const GENERIC_KINDS_SQL = GENERIC_KINDS.map((k) => `'${k}'`).join(', ');

/** Source records a mid-sized insurer's CIF holds: the scale name frequencies are read at. */
export const DEFAULT_NAME_POPULATION = 1_000_000;

export const DEFAULT_MATCH_SETTINGS: MatchSettings = {
  thresholds: DEFAULT_THRESHOLDS,
  genericHolders: DEFAULT_GENERIC_HOLDERS,
  namePopulation: DEFAULT_NAME_POPULATION,
};
