// Fellegi-Sunter weights (Fellegi & Sunter, "A Theory for Record Linkage", JASA 1969): for each
// compared field, m is the chance that two records of the same customer agree on it and u the
// chance that two records of different customers do. Agreement adds log2(m/u), disagreement
// log2((1-m)/(1-u)), a missing value nothing. Where a field has a partial level too, the
// disagreement level's m and u are what the full and partial levels leave.
//
// "Generator" below means bench/matching/generate.ts, whose rates were set from the source
// systems' profiles in the domain brief; its data is what the thresholds were tuned on.

export type ComparisonField =
  'name' | 'birthDate' | 'gender' | 'mobile' | 'email' | 'address' | 'identityDocument';

export interface Probabilities {
  m: number;
  u: number;
  /** Where m and u come from. */
  source: string;
}

/**
 * Total log2 weight: at least `link` links automatically, at least `review` asks a steward.
 * `margin`: how much more strongly a record must link to one person than to another kept
 * apart from them (two resident IDs, a steward's word) to be given to the first without
 * asking a steward (see cluster's contestLinks).
 */
export interface MatchThresholds {
  link: number;
  review: number;
  margin: number;
}

/**
 * Link at 28 bits: above a common name with its birth date and sex (王伟: 12.1 + 14.2 + 1.0,
 * with the national name share of name-frequency.ts), which namesakes share, and below a
 * common name with a mobile or an e-mail (about 32), or a rare name with its birth date
 * (about 33). Review from 12: a household sharing a mobile and an address (about 17) is put
 * to a steward, not linked. On the generator's 10,000 records (seed 1): pairwise precision
 * 1.0 and recall 0.968 at 28, against 0.9993 and 0.977 at 25. A margin of 8 bits (256 to 1):
 * a shared address (9.2) or a birth date tells two namesakes apart, a tie or a sex does not.
 */
export const DEFAULT_THRESHOLDS: MatchThresholds = { link: 28, review: 12, margin: 8 };

export const COMPARISONS: Record<ComparisonField, Probabilities> = {
  name: {
    m: 0.93,
    // The u of one name is its own frequency among the records (Winkler's frequency-based
    // weights, "Frequency-based matching in Fellegi-Sunter model", 1989); this is its floor.
    u: 1e-6,
    source:
      'm: generator (2% of people have a record in pinyin and 1% one with a homophone, ' +
      'which agree only partially), less 1% for other misspellings; u: the name frequency, ' +
      'floored at one person in a million so that a name seen once in a large file does not ' +
      'outweigh a birth date and a mobile together',
  },
  birthDate: {
    m: 0.96,
    // Customers' birth dates spread over about 55 years of 365.25 days.
    u: 5e-5,
    source:
      'm: generator (3% of the records without an ID, which would correct it, mistype the ' +
      'date); u: 1 / (55 × 365.25) days',
  },
  gender: {
    m: 0.99,
    u: 0.5,
    source:
      'm: generator (1% of the records without an ID carry the wrong gender); u: two sexes, ' +
      'evenly split',
  },
  mobile: {
    m: 0.95,
    u: 1e-6,
    source:
      'm: generator (6% of customers give half their sources a second number); u: chosen, not ' +
      'measured: members of one household share a number far more often than strangers ' +
      '(whom u alone would make ~1e-8); the household is told apart by the name',
  },
  email: {
    m: 0.95,
    u: 1e-6,
    source:
      'm: chosen below the generator (one address per customer) for customers who change ' +
      'it; u: chosen: an address is personal, shared by a household less often than a mobile',
  },
  address: {
    m: 0.6,
    u: 1e-3,
    source:
      'm: generator (where 30% of records drop the province and city, 58% of pairs agree in ' +
      'full); u: chosen: a household, and tenants of shared flats, share an address',
  },
  identityDocument: {
    m: 0.97,
    // A document number belongs to one holder (GB 11643, GB 32100, ICAO 9303): agreement is
    // proof, and this u only makes its weight (~40) exceed any other evidence a pair can add.
    u: 1e-12,
    source: 'm: generator (2% keying errors, 1% missing); u: one holder per number',
  },
};

/**
 * An organisation's name is its registered name, which the registration authority refuses to
 * give a second organisation (企业名称登记管理规定): agreement is near-proof, unlike a person's
 * name, so its u is no term frequency. Used in place of COMPARISONS.name for organisations.
 */
export const REGISTERED_NAME: Probabilities = {
  m: 0.9,
  u: 1e-8,
  source:
    'm: generator (5% of organisations renamed, the rest typed with full- or half-width ' +
    'brackets, which folding removes); u: chosen: one holder per registered name',
};

/** The partial-agreement levels, with the m and u of the partial level itself. */
export const PARTIAL_AGREEMENTS: Partial<Record<ComparisonField, Probabilities>> = {
  name: {
    m: 0.06,
    // The floor, as for full agreement; compare takes the commoner of the two names' frequency.
    u: 1e-6,
    source:
      'm: generator (pinyin and homophone spellings); u: the frequency of the commoner ' +
      'spelling, as the strangers who share the sound mostly share that spelling too',
  },
  birthDate: {
    m: 0.03,
    // Day and month swapped, or one of the 8 digits changed into a real date: about 30 dates.
    u: 1.5e-3,
    source: 'm: generator; u: about 30 neighbouring dates × the birth date u',
  },
  address: {
    m: 0.3,
    u: 3e-3,
    source:
      'm: generator (42% of pairs have one address without its province and city), less ' +
      'some for customers who move; u: chosen: three times the full agreement, as a shorter ' +
      'address is shared by more households',
  },
  identityDocument: {
    m: 0.02,
    u: 8e-5,
    source:
      'm: generator (2% keying errors); u: chosen, not measured. Two valid numbers are never ' +
      'one check character or one transposition apart, but a mistyped number can sit on the ' +
      "wrong person's record (the policyholder's on the insured's): about 8 bits, so that " +
      'agreeing name and birth date link while a conflicting gender and mobile send the pair ' +
      'to review',
  },
};

const log2 = Math.log2;

/** log2(m/u); `u` overrides the field's own (the frequency of a name). */
export function agreementWeight(field: ComparisonField, u = COMPARISONS[field].u): number {
  return log2(COMPARISONS[field].m / u);
}

/** log2(m/u) of a partial-agreement level; `u` overrides the level's own. */
export function partialWeight(field: ComparisonField, u?: number): number {
  const level = PARTIAL_AGREEMENTS[field];
  if (!level) throw new Error(`${field} has no partial-agreement level`);
  return log2(level.m / (u ?? level.u));
}

/** log2 of what the agreement levels leave of m, over what they leave of u. */
export function disagreementWeight(field: ComparisonField): number {
  const full = COMPARISONS[field];
  const partial = PARTIAL_AGREEMENTS[field] ?? { m: 0, u: 0 };
  return log2((1 - full.m - partial.m) / (1 - full.u - partial.u));
}

/**
 * The u of a name: the share of records carrying it, floored (see COMPARISONS.name). A name
 * missing from the counts (a record not yet counted) counts as seen once.
 */
export function nameU(frequency: number, totalRecords: number): number {
  return Math.max(COMPARISONS.name.u, Math.max(frequency, 1) / Math.max(totalRecords, 1));
}
