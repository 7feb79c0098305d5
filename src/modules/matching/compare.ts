import { checkCreditCode, checkResidentId } from '../../validation';
import { keyingRelation } from './identifiers';
import { foldText, HAN, NameForms } from './names';
import { remembered } from './remembered';
import type { GenericKind } from './settings';
import {
  agreementWeight,
  ComparisonField,
  DEFAULT_THRESHOLDS,
  disagreementWeight,
  MatchThresholds,
  nameU,
  partialWeight,
  REGISTERED_NAME,
} from './weights';

export interface MatchRecord {
  /** A source record id. */
  id: string;
  kind: 'INDIVIDUAL' | 'ORGANISATION';
  name: NameForms;
  /** YYYY-MM-DD */
  birthDate?: string;
  gender?: 'MALE' | 'FEMALE';
  /** Plain, normalised numbers (resident IDs already upgraded to 18 characters). */
  documents: { type: string; number: string }[];
  /**
   * Compared for equality only: 11 digits, or, in ingestion, their keyed digests (hex), so
   * that the neighbourhood's need not be decrypted. One form per comparison run.
   */
  mobiles: string[];
  /** Lower-case, or their keyed digests, as mobiles. */
  emails: string[];
  /** As sent: compare folds them as it folds names. */
  addresses: string[];
}

export interface MatchContext {
  /** How many source records are expected to carry this name (term frequency). */
  nameFrequency(name: NameForms): number;
  /** How many source records there are. */
  totalRecords: number;
  /**
   * A mobile or e-mail (in the records' form, see MatchRecord) that many unrelated customers
   * share (a dealer's phone): never evidence.
   */
  isGeneric(kind: GenericKind, value: string): boolean;
}

export type Outcome = 'AGREE' | 'PARTIAL' | 'DISAGREE' | 'MISSING' | 'GENERIC';

export interface Evidence {
  field: ComparisonField;
  outcome: Outcome;
  weight: number;
  /** Why, for a data steward: never an identity number, a mobile, an e-mail or a name. */
  detail: string;
}

export type MatchRule =
  | 'SAME_DOCUMENT'
  | 'LEGACY_ID'
  | 'ID_TYPO'
  | 'PROBABILISTIC'
  | 'CONFLICTING_DOCUMENT'
  | 'KIND'
  /** A pair that would link but for another, as strong, to someone kept apart (see cluster). */
  | 'AMBIGUOUS'
  /**
   * A pair that would link, one of whose records a steward joined to its customer and its
   * source has since given a name of another sound or another sex (see cluster).
   */
  | 'CHANGED_SINCE_DECISION';

export interface Comparison {
  /**
   * The rule that decided. LEGACY_ID is never returned: resident IDs arrive upgraded to 18
   * characters, so a legacy number that matches its upgrade is a SAME_DOCUMENT.
   */
  rule: MatchRule;
  /** The sum of the evidence weights (finite, so that it survives JSON). */
  score: number;
  decision: 'LINK' | 'REVIEW' | 'NONE';
  evidence: Evidence[];
}

// The document type whose numbers tell customers of each kind apart: one number per person
// (GB 11643) or per organisation (GB 32100) for life. A passport is renewed under a new number,
// so two different passports say nothing.
export const IDENTIFYING_DOCUMENT = {
  INDIVIDUAL: 'RESIDENT_ID',
  ORGANISATION: 'UNIFIED_SOCIAL_CREDIT_CODE',
} as const;

/** What a document other than the identifying one cannot overrule. */
const PERSONAL_FIELDS: ReadonlySet<ComparisonField> = new Set(['name', 'birthDate', 'gender']);

const DOCUMENT_LABELS: Record<string, string> = {
  RESIDENT_ID: 'resident ID',
  UNIFIED_SOCIAL_CREDIT_CODE: 'credit code',
  PASSPORT: 'passport',
  HK_MACAO_PERMIT: 'Hong Kong/Macao permit',
  TAIWAN_PERMIT: 'Taiwan permit',
};

/**
 * Whether two source records describe the same customer, with the evidence. Identity
 * documents decide first; the rest is a Fellegi-Sunter score (see weights.ts). Symmetric,
 * pure and deterministic.
 */
export function compare(
  a: MatchRecord,
  b: MatchRecord,
  context: MatchContext,
  thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
): Comparison {
  if (a.kind !== b.kind) {
    return { rule: 'KIND', score: 0, decision: 'NONE', evidence: [] };
  }
  // Sorted so that a pair sharing two documents names the same one both ways round. A
  // resident ID failing its check is nobody's number (a keying error, perhaps copied from
  // the policyholder's record onto the insured's): sharing it is evidence, not proof.
  const common = a.documents.filter((x) =>
    b.documents.some((y) => x.type === y.type && x.number === y.number),
  );
  const mistyped = (d: { type: string; number: string }) =>
    d.type === 'RESIDENT_ID' && !passesCheck(d.type)(d.number);
  // The identifying number first: it is proof where another document may not be.
  const shared = common
    .filter((d) => !mistyped(d))
    .sort(
      (x, y) =>
        Number(y.type === IDENTIFYING_DOCUMENT[a.kind]) -
          Number(x.type === IDENTIFYING_DOCUMENT[a.kind]) || x.type.localeCompare(y.type),
    )[0];
  // A record that states no birth date or sex of its own (the hub reads none from a number
  // failing its check: which character is wrong is unknown) says them through its number
  // where it is a keying error of the other's that leaves them alone.
  const carried =
    a.kind === 'INDIVIDUAL'
      ? carriedByBoth(numbersOf(a, 'RESIDENT_ID'), numbersOf(b, 'RESIDENT_ID'))
      : undefined;
  const told = (r: MatchRecord) =>
    carried
      ? { ...r, birthDate: r.birthDate ?? carried.birthDate, gender: r.gender ?? carried.gender }
      : r;
  const evidence = [
    compareNames(a, b, context),
    ...(a.kind === 'INDIVIDUAL'
      ? [compareBirthDates(told(a), told(b)), compareGenders(told(a), told(b))]
      : []),
    compareContacts('mobile', 'MOBILE', a.mobiles, b.mobiles, context),
    compareContacts('email', 'EMAIL', a.emails, b.emails, context),
    compareAddresses(a.addresses, b.addresses),
  ];
  if (shared) {
    // The identifying number is proof and links whatever the rest says; the rest is still
    // scored, so that a steward sees a name that disagrees, and so that of a record's links
    // to holders of one number (two that a steward kept apart) the record that agrees on the
    // rest is taken first. Another document's number is unique only with its issuer (a
    // passport's country is not recorded), and carries no birth date or sex: where the name,
    // the birth date or the sex disagrees, a steward decides. So with a credit code failing
    // its check: an early code under the legal exception, or one mistyped the same way on
    // another company's record (an agent copying the last form), which a name tells apart.
    const document: Evidence = {
      field: 'identityDocument',
      outcome: 'AGREE',
      weight: agreementWeight('identityDocument'),
      detail: `same ${DOCUMENT_LABELS[shared.type] ?? 'document'}`,
    };
    const contradicted =
      (shared.type !== IDENTIFYING_DOCUMENT[a.kind] || !passesCheck(shared.type)(shared.number)) &&
      evidence.some((e) => PERSONAL_FIELDS.has(e.field) && e.outcome === 'DISAGREE');
    return {
      ...scored('SAME_DOCUMENT', thresholds, [document, ...evidence]),
      decision: contradicted ? 'REVIEW' : 'LINK',
    };
  }

  const identifying = IDENTIFYING_DOCUMENT[a.kind];
  const numbersA = numbersOf(a, identifying);
  const numbersB = numbersOf(b, identifying);
  const typo = common.some(mistyped) ? 'SAME_MISTYPED' : keyingError(numbersA, numbersB);
  const conflicting: Evidence = {
    field: 'identityDocument',
    outcome: 'DISAGREE',
    weight: disagreementWeight('identityDocument'),
    detail: `different ${DOCUMENT_LABELS[identifying]}s`,
  };
  if (typo) {
    // One of the two numbers fails its check (see keyingRelation), so it is nobody's number:
    // no conflict, but the rule's strong evidence only where the name (and a person's birth
    // date) say that the keying error is the one difference. Otherwise the pair is scored as
    // any other.
    const outcome = (field: ComparisonField) => outcomeOf(evidence, field);
    const sameName = outcome('name') === 'AGREE' || outcome('name') === 'PARTIAL';
    const sameBirth = a.kind === 'ORGANISATION' || outcome('birthDate') === 'AGREE';
    const rule = sameName && sameBirth ? 'ID_TYPO' : 'PROBABILISTIC';
    return scored(rule, thresholds, [
      ...evidence,
      {
        field: 'identityDocument',
        outcome: 'PARTIAL',
        weight: partialWeight('identityDocument'),
        detail: {
          CHECK_CHARACTER: 'check character differs',
          TRANSPOSITION: 'adjacent characters swapped',
          SAME_MISTYPED: 'same number, failing its check',
        }[typo],
      },
    ]);
  }
  if (numbersA.some(passesCheck(identifying)) && numbersB.some(passesCheck(identifying))) {
    // Never linked by matching, whatever the rest says; scored all the same, for a steward
    // who joins the two to read what else agrees.
    return {
      ...scored('CONFLICTING_DOCUMENT', thresholds, [conflicting, ...evidence]),
      decision: 'NONE',
    };
  }
  if (numbersA.length > 0 && numbersB.length > 0) {
    // Two different numbers, one failing its check: unlikely one holder's, but the failing
    // one is a keying error of some number (perhaps a third spelling of the other's), so no
    // proof of two.
    return scored('PROBABILISTIC', thresholds, [
      ...evidence,
      { ...conflicting, detail: `${conflicting.detail}, one failing its check` },
    ]);
  }
  return scored('PROBABILISTIC', thresholds, [
    ...evidence,
    { field: 'identityDocument', outcome: 'MISSING', weight: 0, detail: 'no common document' },
  ]);
}

const outcomeOf = (evidence: Evidence[], field: ComparisonField) =>
  evidence.find((e) => e.field === field)?.outcome;

function scored(rule: MatchRule, thresholds: MatchThresholds, evidence: Evidence[]): Comparison {
  const score = evidence.reduce((sum, e) => sum + e.weight, 0);
  // The weights are summed as if the fields were independent, and within a household or a
  // company group they are not: twins share a birth date, a mobile and an address, group
  // companies a phone, an e-mail and an office. Only the name tells them apart, so different
  // names are never linked without a steward, whatever the rest adds up to. One sound covers
  // a man's name and a woman's (Zhang Wei: 张伟, 章薇), so names of one sound whose sexes
  // disagree are two names too.
  const name = outcomeOf(evidence, 'name');
  const namesDiffer =
    name === 'DISAGREE' || (name === 'PARTIAL' && outcomeOf(evidence, 'gender') === 'DISAGREE');
  const decision =
    score >= thresholds.link && !namesDiffer
      ? 'LINK'
      : score >= thresholds.review
        ? 'REVIEW'
        : 'NONE';
  return { rule, score, decision, evidence };
}

/** Whether a resident ID or credit code passes its check (an early credit code does not). */
const passesCheck = (type: string) => (number: string) => {
  const checked = type === 'RESIDENT_ID' ? checkResidentId(number) : checkCreditCode(number);
  return checked.ok && checked.warnings.length === 0;
};

function numbersOf(record: MatchRecord, type: string): string[] {
  return record.documents.filter((d) => d.type === type).map((d) => d.number);
}

/** The keying error that relates some number of one side to some of the other, if any. */
function keyingError(as: string[], bs: string[]) {
  const relations = as.flatMap((x) => bs.map((y) => keyingRelation(x, y)));
  // Sorted so that a customer holding several numbers gives the same answer both ways round.
  return relations.filter((r) => r === 'CHECK_CHARACTER' || r === 'TRANSPOSITION').sort()[0];
}

/**
 * The birth date and sex two resident IDs both carry, when one is a keying error of the
 * other (a wrong check character, two adjacent characters swapped) that leaves the digits
 * of both alone: then the number failing its check says them as surely as the valid one.
 */
function carriedByBoth(
  as: string[],
  bs: string[],
): { birthDate: string; gender: 'MALE' | 'FEMALE' } | undefined {
  // Sorted, so that a pair holding several numbers gives the same answer both ways round.
  const pairs = as
    .flatMap((x) => bs.map((y): [string, string] => (x < y ? [x, y] : [y, x])))
    .sort(([x1, y1], [x2, y2]) => x1.localeCompare(x2) || y1.localeCompare(y2));
  for (const [x, y] of pairs) {
    const relation = keyingRelation(x, y);
    if (relation !== 'CHECK_CHARACTER' && relation !== 'TRANSPOSITION') continue;
    // Birth date: characters 7-14; sex: the parity of the 17th.
    if (x.slice(6, 14) !== y.slice(6, 14) || x[16] !== y[16]) continue;
    const checked = [x, y].map((n) => checkResidentId(n, '9999-12-31')).find((c) => c.ok);
    if (checked?.ok) return { birthDate: checked.value.birthDate, gender: checked.value.gender };
  }
  return undefined;
}

function missing(field: ComparisonField): Evidence {
  return { field, outcome: 'MISSING', weight: 0, detail: 'missing on one side' };
}

function disagree(field: ComparisonField, detail: string): Evidence {
  return { field, outcome: 'DISAGREE', weight: disagreementWeight(field), detail };
}

function compareNames(a: MatchRecord, b: MatchRecord, context: MatchContext): Evidence {
  if (a.name.key === '' || b.name.key === '') return missing('name');
  const total = context.totalRecords;
  if (a.name.key === b.name.key && a.kind === 'ORGANISATION') {
    return {
      field: 'name',
      outcome: 'AGREE',
      weight: Math.log2(REGISTERED_NAME.m / REGISTERED_NAME.u),
      detail: 'same registered name',
    };
  }
  if (a.name.key === b.name.key) {
    const u = nameU(context.nameFrequency(a.name), total);
    return {
      field: 'name',
      outcome: 'AGREE',
      weight: agreementWeight('name', u),
      detail: `name frequency 1 in ${Math.round(1 / u).toLocaleString('en-US')}`,
    };
  }
  if (a.name.pinyin !== '' && a.name.pinyin === b.name.pinyin && !otherLength(a.name, b.name)) {
    // The commoner spelling bounds how many strangers share the sound.
    const frequency = Math.max(context.nameFrequency(a.name), context.nameFrequency(b.name));
    const u = nameU(frequency, total);
    return {
      field: 'name',
      outcome: 'PARTIAL',
      weight: partialWeight('name', u),
      detail: 'pinyin',
    };
  }
  return disagree('name', 'different names');
}

/**
 * Two Han names of different lengths are no homophones, whatever their pinyin words say:
 * 王西安 reads wang xi'an, 王先 wang xian.
 */
function otherLength(a: NameForms, b: NameForms): boolean {
  return HAN.test(a.key) && HAN.test(b.key) && [...a.key].length !== [...b.key].length;
}

function compareBirthDates(a: MatchRecord, b: MatchRecord): Evidence {
  if (!a.birthDate || !b.birthDate) return missing('birthDate');
  if (a.birthDate === b.birthDate) {
    return {
      field: 'birthDate',
      outcome: 'AGREE',
      weight: agreementWeight('birthDate'),
      detail: 'same birth date',
    };
  }
  const near = nearDate(a.birthDate, b.birthDate);
  return near
    ? { field: 'birthDate', outcome: 'PARTIAL', weight: partialWeight('birthDate'), detail: near }
    : disagree('birthDate', 'different birth dates');
}

/** The keying error that turns one YYYY-MM-DD into the other, if it is a common one. */
function nearDate(x: string, y: string): string | undefined {
  const [year, month, day] = x.split('-');
  if (`${year}-${day}-${month}` === y) return 'day and month swapped';
  const digitsX = x.replace(/-/g, '');
  const digitsY = y.replace(/-/g, '');
  const differing = [...digitsX].filter((c, i) => c !== digitsY[i]).length;
  return differing === 1 ? 'one digit differs' : undefined;
}

function compareGenders(a: MatchRecord, b: MatchRecord): Evidence {
  if (!a.gender || !b.gender) return missing('gender');
  return a.gender === b.gender
    ? {
        field: 'gender',
        outcome: 'AGREE',
        weight: agreementWeight('gender'),
        detail: 'same gender',
      }
    : disagree('gender', 'different genders');
}

function compareContacts(
  field: 'mobile' | 'email',
  kind: 'MOBILE' | 'EMAIL',
  as: string[],
  bs: string[],
  context: MatchContext,
): Evidence {
  // A generic value (a dealer's phone) is not the customer's own: it neither links nor
  // separates, so it is left out before comparing.
  const ownA = as.filter((v) => !context.isGeneric(kind, v));
  const ownB = bs.filter((v) => !context.isGeneric(kind, v));
  if (ownA.some((v) => ownB.includes(v))) {
    return { field, outcome: 'AGREE', weight: agreementWeight(field), detail: `same ${field}` };
  }
  if (ownA.length > 0 && ownB.length > 0) return disagree(field, `different ${field}s`);
  if (as.some((v) => bs.includes(v))) {
    return { field, outcome: 'GENERIC', weight: 0, detail: `${field} shared by many customers` };
  }
  return missing(field);
}

// Folding runs opencc over the whole address; a pipeline compares one record against many.
const foldAddress = remembered(
  // Sources punctuate and space addresses at will ('3幢 201室', '3-201').
  (address) => foldText(address).replace(/[\s\p{P}]+/gu, ''),
  100_000,
);

// Shorter tails ('1号') are too common to mean one household.
const SHORTEST_ADDRESS_TAIL = 8;

function compareAddresses(as: string[], bs: string[]): Evidence {
  if (as.length === 0 || bs.length === 0) return missing('address');
  const foldedA = as.map(foldAddress);
  const foldedB = bs.map(foldAddress);
  if (foldedA.some((x) => foldedB.includes(x))) {
    return {
      field: 'address',
      outcome: 'AGREE',
      weight: agreementWeight('address'),
      detail: 'same address',
    };
  }
  // A source that drops the province and city keeps the tail of the full address.
  const tail = foldedA.some((x) =>
    foldedB.some((y) => {
      const [shorter, longer] = x.length < y.length ? [x, y] : [y, x];
      return shorter.length >= SHORTEST_ADDRESS_TAIL && longer.endsWith(shorter);
    }),
  );
  return tail
    ? {
        field: 'address',
        outcome: 'PARTIAL',
        weight: partialWeight('address'),
        detail: 'one address ends the other',
      }
    : disagree('address', 'different addresses');
}
