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

/** Source records a mid-sized insurer's CIF holds: the scale name frequencies are read at. */
export const DEFAULT_NAME_POPULATION = 1_000_000;

export const DEFAULT_MATCH_SETTINGS: MatchSettings = {
  thresholds: DEFAULT_THRESHOLDS,
  genericHolders: DEFAULT_GENERIC_HOLDERS,
  namePopulation: DEFAULT_NAME_POPULATION,
};
