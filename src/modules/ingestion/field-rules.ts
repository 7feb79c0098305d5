import { Field, getMetadataStorage, type FieldOptions } from 'type-graphql';
import { MONEY, RISK_SCORE, SUM_INSURED, type DecimalColumn } from '../../db/decimal-columns';
import {
  DateTimeScalar,
  decimalParts,
  DecimalScalar,
  LocalDateScalar,
} from '../../graphql/scalars';
import { BadUserInputError } from '../../graphql/errors';
import { textProblem } from '../../graphql/limits/input';
import { asciiDigits, maskPersonal, NUMBER_SEPARATORS } from '../../logger';
import { addYears, type BusinessClock } from '../../time/clock';
import {
  happened,
  MAX_COVER_YEARS,
  MIN_BIRTH_DATE,
  MIN_COVER_DATE,
  PAST_INSTANTS,
} from '../../validation/instants';
import {
  checkMobile,
  checkResidentId,
  halfWidth,
  INVISIBLE_EDGES,
  mistypedResidentId,
} from '../../validation';
import { BRANCH_CODE } from '../branch/branch.entity';
import type { ContactKind } from '../customer/customer.enums';
import type { RecordError } from './ingestion.type';

/**
 * Text in a field. Every kind is normalised to NFC, trimmed of whitespace and invisible
 * characters at both ends, refused with a control character in it, and limited to `max`
 * characters (code points) after that.
 * - code: an identifier; full-width digits and letters (as an IME types them) read as ASCII,
 *   so that ＰＣＡ１２ finds PCA12.
 * - name: free text that must say something (a name, a place, an address).
 * - text: free text that may be empty.
 */
interface TextRule {
  type: 'code' | 'name' | 'text';
  max: number;
  /** A shape the value must have, checked last, with the rule it reports. */
  format?: { pattern: RegExp; rule: string; says: string };
  /**
   * Free words a person typed where a mobile or an ID number may slip in (a caller saying
   * where the accident was): kept with those masked (maskPersonal), as every role reads it.
   */
  masked?: boolean;
  /**
   * Text kept in clear and shown wherever its record is, which must not hold a person's
   * mobile, ID number or e-mail: the rule refusing one. A source system's key (PERSONAL_KEY,
   * shown in lineage, links and audit) could be neither masked nor sealed and still find its
   * record; a customer's name (PERSONAL_NAME) is what every role reads, marketing's exports
   * included.
   */
  notPersonal?: 'PERSONAL_KEY' | 'PERSONAL_NAME';
}

/** A birth date, from MIN_BIRTH_DATE to today in the business time zone. */
interface BirthDateRule {
  type: 'birthDate';
}

/**
 * An instant something happened at (an accident, a consent, a verification, a score): from
 * MIN_INSTANT to now, a source system's clock a few minutes ahead of the hub's allowed. A
 * later one would outrank every real statement ("the latest word") until that day came.
 */
interface PastInstantRule {
  type: 'pastInstant';
}

/**
 * A Decimal, read by its value: `87.50` is `87.5`, so that a resend the source system
 * formatted otherwise is the same record. For a numeric column (`column`): zero or more, and
 * what the column holds, unrounded; without one (a weight kept in JSON), any value.
 */
interface DecimalRule {
  type: 'decimal';
  column?: DecimalColumn;
}

/** Text whose rule depends on a sibling field, e.g. a contact value on its kind. */
interface VariantRule {
  type: 'variant';
  on: string;
  rules: Record<string, TextRule>;
}

/**
 * A day of a policy's cover: from MIN_COVER_DATE to `yearsAhead` years after today in the
 * business time zone (a policy is sold ahead of its start, never years ahead).
 */
interface CoverDateRule {
  type: 'coverDate';
  yearsAhead: number;
}

type FieldRule =
  TextRule | BirthDateRule | PastInstantRule | CoverDateRule | DecimalRule | VariantRule;

const code = (max: number, format?: TextRule['format']): TextRule => ({
  type: 'code',
  max,
  format,
});
const name = (max: number): TextRule => ({ type: 'name', max });
const text = (max: number): TextRule => ({ type: 'text', max });
const BIRTH_DATE: BirthDateRule = { type: 'birthDate' };
/** Whoever writes it: a record, a file, a rename. */
const BRANCH_NAME = name(100);
/** As a claim record states it, and as the front line asks at report time. */
const ACCIDENT_PLACE: TextRule = { ...name(200), masked: true };
const PAST: PastInstantRule = { type: 'pastInstant' };
const coverDate = (yearsAhead: number): CoverDateRule => ({ type: 'coverDate', yearsAhead });
const decimal = (column?: DecimalColumn): DecimalRule => ({ type: 'decimal', column });

/**
 * The rules of every ingested field, by input type and field: the only place they are
 * declared. normalizeRecord applies them, RuledField writes them into the GraphQL
 * descriptions, and `npm run schema` into README's "Ingestion field rules".
 */
export const FIELD_RULES = {
  'CustomerRef.cifNo': code(16),
  'CustomerRef.sourceKey': code(64),
  'IdentityDocumentInput.number': code(32),
  'ContactPointInput.verifiedAt': PAST,
  'MarketingConsentInput.at': PAST,
  'ContactPointInput.value': {
    type: 'variant',
    on: 'kind',
    // RFC 5321: a forward path holds at most 256 octets, two of them the angle brackets. An
    // e-mail is a name here: a zero-width space pasted into it goes, or the address would
    // not match its own person.
    rules: { MOBILE: code(32), EMAIL: name(254), ADDRESS: name(200) } satisfies Record<
      ContactKind,
      TextRule
    >,
  },
  'CustomerRecordInput.sourceKey': { ...code(64), notPersonal: 'PERSONAL_KEY' },
  'CustomerRecordInput.name': { ...name(100), notPersonal: 'PERSONAL_NAME' },
  'CustomerRecordInput.birthDate': BIRTH_DATE,
  'CustomerRecordInput.branchCode': code(32),
  'VehicleInput.vin': code(32),
  'VehicleInput.plate': code(16),
  'PolicyRecordInput.policyNo': code(40),
  'PolicyRecordInput.productCode': code(32),
  'PolicyRecordInput.branchCode': code(32),
  'PolicyRecordInput.renewsPolicyNo': code(40),
  'PolicyRecordInput.premium': decimal(MONEY),
  'PolicyRecordInput.sumInsured': decimal(SUM_INSURED),
  'PolicyRecordInput.effectiveDate': coverDate(1),
  // The longest term after the latest start.
  'PolicyRecordInput.expiryDate': coverDate(1 + MAX_COVER_YEARS),
  'ClaimRecordInput.claimNo': code(40),
  'ClaimRecordInput.policyNo': code(40),
  'ClaimRecordInput.accidentAt': PAST,
  'ClaimRecordInput.accidentPlace': ACCIDENT_PLACE,
  'ClaimRecordInput.reportedAt': PAST,
  'ClaimRecordInput.registeredAt': PAST,
  'ClaimRecordInput.surveyedAt': PAST,
  'ClaimRecordInput.assessedAt': PAST,
  'ClaimRecordInput.approvedAt': PAST,
  'ClaimRecordInput.paidAt': PAST,
  'ClaimRecordInput.closedAt': PAST,
  'ClaimRecordInput.reserve': decimal(MONEY),
  'ClaimRecordInput.paidAmount': decimal(MONEY),
  'RiskSubjectInput.claimNo': code(40),
  'RiskSubjectInput.vin': code(32),
  'FiredRuleInput.code': code(64),
  'FiredRuleInput.description': text(500),
  'FiredRuleInput.weight': decimal(),
  'RiskScoreRecordInput.sourceKey': code(64),
  'RiskScoreRecordInput.model': code(64),
  'RiskScoreRecordInput.modelVersion': code(32),
  'RiskScoreRecordInput.score': decimal(RISK_SCORE),
  'RiskScoreRecordInput.scoredAt': PAST,
  'BranchRecordInput.code': code(32, {
    pattern: BRANCH_CODE,
    rule: 'CODE_FORMAT',
    says: 'letters, digits or hyphens, not hyphens alone',
  }),
  'ClaimContextInput.accidentPlace': ACCIDENT_PLACE,
  'BranchRecordInput.name': BRANCH_NAME,
  'RenameBranchInput.name': BRANCH_NAME,
  'BranchRecordInput.parentCode': code(32),
} as const satisfies Record<string, FieldRule>;

export type RuledFieldKey = keyof typeof FIELD_RULES;

/**
 * How many items each list of an ingested record may hold (`MAX_ITEMS`): more is a mistake or
 * an attack (3,000 contact points on one person), each item costing the whole batch time.
 * Declared here with the field rules, and written into README's table with them.
 */
export const LIST_LIMITS: Record<string, number> = {
  'CustomerRecordInput.identityDocuments': 10,
  'CustomerRecordInput.contactPoints': 50,
  'PolicyRecordInput.parties': 20,
  'RiskScoreRecordInput.firedRules': 100,
};

const ruleOf = (key: string): FieldRule | undefined =>
  (FIELD_RULES as Record<string, FieldRule>)[key];

/** What each ruled field's declaration says: the input class and whether it may be null. */
const declared = new Map<string, { target: Function; required: boolean }>();

/**
 * `@Field` of a field that has a rule in FIELD_RULES: its type (text, or a date for a birth
 * date) and its description come from the rule; `options.description` follows the rule's.
 */
export function RuledField(key: RuledFieldKey, options: FieldOptions = {}): PropertyDecorator {
  const rule: FieldRule = FIELD_RULES[key];
  const required = !options.nullable;
  const description = [describeRule(rule, required), options.description].filter(Boolean).join(' ');
  const type = {
    birthDate: LocalDateScalar,
    pastInstant: DateTimeScalar,
    coverDate: LocalDateScalar,
    decimal: DecimalScalar,
  }[rule.type as string];
  const field = Field(() => type ?? String, { ...options, description });
  return (target, property) => {
    if (key.slice(key.indexOf('.') + 1) !== property) {
      throw new Error(`@RuledField('${key}') decorates ${String(property)}`);
    }
    declared.set(key, { target: target.constructor, required });
    field(target, property);
  };
}

const FULL_WIDTH_AS_ASCII = 'full-width digits and letters read as ASCII';
const MASKED = 'kept with a mobile, an identity number or an e-mail in it masked';
const NOT_PERSONAL = 'no mobile, resident ID number or e-mail in it';
const BIRTH_DATES = `from ${MIN_BIRTH_DATE} to today in the business time zone`;
const coverDates = (rule: CoverDateRule) =>
  `from ${MIN_COVER_DATE} to ${rule.yearsAhead} ${rule.yearsAhead === 1 ? 'year' : 'years'} after today in the business time zone`;
const wholeDigits = (column: DecimalColumn) => column.precision - column.scale;
const limitOf = (column: DecimalColumn) =>
  `less than ${'1'.padEnd(wholeDigits(column) + 1, '0').replace(/\B(?=(\d{3})+$)/g, ',')}`;
const decimalSays = (column?: DecimalColumn) =>
  column
    ? `zero or more, at most ${column.scale} decimals, ${limitOf(column)}; read by value (87.50 is 87.5)`
    : 'read by value (87.50 is 87.5)';
const ALL_TEXT =
  'Characters are code points, counted after NFC normalisation and trimming; no control characters or noncharacters.';

/** A required field must say something, unless it is free text that may be empty. */
const mayNotBeBlank = (rule: TextRule, required: boolean) => required && rule.type !== 'text';

/** What a text rule asks beyond the rules all text follows. */
function clauses(rule: TextRule, required: boolean): string[] {
  return [
    `at most ${rule.max} characters`,
    ...(rule.type === 'code' ? [FULL_WIDTH_AS_ASCII] : []),
    ...(rule.format ? [rule.format.says] : []),
    ...(rule.masked ? [MASKED] : []),
    ...(rule.notPersonal ? [NOT_PERSONAL] : []),
    ...(mayNotBeBlank(rule, required) ? ['not blank'] : []),
  ];
}

const sentence = (parts: string[]) => `${parts.join('; ').replace(/^./, (c) => c.toUpperCase())}.`;

function describeRule(rule: FieldRule, required: boolean): string {
  switch (rule.type) {
    case 'birthDate':
      return sentence([BIRTH_DATES]);
    case 'pastInstant':
      return sentence([PAST_INSTANTS]);
    case 'coverDate':
      return sentence([coverDates(rule)]);
    case 'decimal':
      return sentence([decimalSays(rule.column)]);
    case 'variant':
      return [
        ...Object.entries(rule.rules).map(([variant, r]) =>
          sentence([`${variant}: ${clauses(r, required).join('; ')}`]),
        ),
        ALL_TEXT,
      ].join(' ');
    default:
      return `${sentence(clauses(rule, required))} ${ALL_TEXT}`;
  }
}

/** One line of README's field rule table. */
export interface FieldRuleRow {
  field: string;
  /** The sibling's value the rule is for, e.g. `kind MOBILE`. */
  variant?: string;
  /** At most this many characters; none for a date. */
  max?: number;
  /** Full-width digits and letters read as ASCII. */
  asciiDigitsAndLetters: boolean;
  notBlank: boolean;
  /** A format or a range the value must have. */
  also?: string;
}

/**
 * The rules as README rows, one per variant. Needs the input types loaded (build the schema
 * first): a rule that no field declares is an error, so the table cannot list a dead rule.
 */
export function fieldRuleRows(): FieldRuleRow[] {
  const row = (
    field: string,
    rule: TextRule,
    required: boolean,
    variant?: string,
  ): FieldRuleRow => ({
    field,
    variant,
    max: rule.max,
    asciiDigitsAndLetters: rule.type === 'code',
    notBlank: mayNotBeBlank(rule, required),
    also:
      [rule.format?.says, rule.masked && MASKED, rule.notPersonal && NOT_PERSONAL]
        .filter(Boolean)
        .join('; ') || undefined,
  });
  const lists = Object.entries(LIST_LIMITS).map(([field, most]): FieldRuleRow => {
    const [type, name] = field.split('.');
    if (!planOf(type!).some((f) => f.name === name && f.nested)) {
      throw new Error(`LIST_LIMITS has ${field}, which is no list of an input type`);
    }
    return { field, asciiDigitsAndLetters: false, notBlank: false, also: `at most ${most} items` };
  });
  const fields = Object.entries(FIELD_RULES).flatMap(
    ([field, rule]: [string, FieldRule]): FieldRuleRow[] => {
      const declaration = declared.get(field);
      if (!declaration) throw new Error(`FIELD_RULES has ${field}, which no @RuledField declares`);
      switch (rule.type) {
        case 'birthDate':
        case 'pastInstant':
        case 'coverDate':
        case 'decimal': {
          const also =
            rule.type === 'coverDate'
              ? coverDates(rule)
              : rule.type === 'decimal'
                ? decimalSays(rule.column)
                : { birthDate: BIRTH_DATES, pastInstant: PAST_INSTANTS }[rule.type];
          return [{ field, asciiDigitsAndLetters: false, notBlank: false, also }];
        }
        case 'variant':
          return Object.entries(rule.rules).map(([variant, r]) =>
            row(field, r, declaration.required, `${rule.on} ${variant}`),
          );
        default:
          return [row(field, rule, declaration.required)];
      }
    },
  );
  return [...fields, ...lists];
}

interface FieldPlan {
  name: string;
  required: boolean;
  rule?: FieldRule;
  /** The input type of a nested input (a list of them when the value is a list). */
  nested?: string;
}

const plans = new Map<string, FieldPlan[]>();

/**
 * The fields of an input type as its class declares them (type-graphql's metadata), each
 * with its rule. A text field without a rule, or a rule its field does not declare with
 * RuledField, is a programming error: it fails the first record of the type, in every test.
 */
function planOf(typeName: string): FieldPlan[] {
  const known = plans.get(typeName);
  if (known) return known;
  const storage = getMetadataStorage();
  const type = storage.inputTypes.find((t) => t.name === typeName);
  if (!type) throw new Error(`${typeName} is not an input type`);
  const plan = storage.fields
    .filter((f) => f.target === type.target)
    .map((f): FieldPlan => {
      const key = `${typeName}.${f.name}`;
      const rule = ruleOf(key);
      const returned = f.getType();
      if (returned === String && !rule) {
        throw new Error(`${key} is text without a rule in FIELD_RULES`);
      }
      if (rule && declared.get(key)?.target !== type.target) {
        throw new Error(`${key} has a rule in FIELD_RULES but is not declared with @RuledField`);
      }
      const nested = storage.inputTypes.find((t) => t.target === returned)?.name;
      return { name: f.name, required: !f.typeOptions.nullable, rule, nested };
    });
  plans.set(typeName, plan);
  return plan;
}

// C0 (including tab and line breaks: no ingested field holds lines), DEL, C1, and the
// Unicode line and paragraph separators, line breaks too. Noncharacters (U+FFFE, U+FFFF,
// U+FDD0-U+FDEF and the last two of every plane) are a program's internal markers, never
// text a person typed: a source that sends one has a bug.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Noncharacter_Code_Point}/u;

// Within a name, a place or an address, the characters that carry nothing
// (zero-width space, word joiner and its kin, the byte-order mark, a soft hyphen, direction
// marks and overrides, tag characters) are a source's slip (a zero-width space pasted into
// 王小三), which would keep the name from matching its own person: they go. Those that shape
// what is written stay: joiners (ZWJ, ZWNJ) and variation selectors, which pick a rare
// surname's glyph.
const INVISIBLE =
  /[\u00AD\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/gu;

// The dots written between the parts of a minority or foreign name (阿依古丽·买买提): GB 18030
// writes U+00B7; input methods give the katakana, bullet and hyphenation points as well.
const NAME_DOTS = /[\u2022\u2027\u2219\u22C5\u30FB\uFF65]/g;
const HAN = /\p{Script=Han}/u;
// Chinese sets no space beside its punctuation, its brackets and the name dot. Between two
// characters a space may be a word break (阿依古丽 买买提, where a source has no name dot),
// which the name's pinyin reads: kept.
const MARKS = '\\u00B7\\u3000-\\u303F\\uFF00-\\uFFEF';
const SPACE_BY_MARK = new RegExp(
  `(?<=[${MARKS}]) (?=[\\p{Script=Han}${MARKS}])|(?<=[\\p{Script=Han}${MARKS}]) (?=[${MARKS}])`,
  'gu',
);

/**
 * A name, a place or an address written one way, whichever way a source's screen or export
 * wrote it: full-width letters and digits as ASCII, a run of spaces as one (none beside
 * Chinese punctuation, brackets or the name dot), every name dot as U+00B7, and brackets full-width in Chinese text and ASCII in
 * Latin (as registered names write them). Otherwise two exports of one record would each be
 * a change, and the golden name would flip between them at every resend.
 */
function writtenOneWay(text: string): string {
  const written = halfWidth(text)
    .replace(/\p{Zs}+/gu, ' ')
    .replace(NAME_DOTS, '\u00B7');
  const bracketed = HAN.test(written)
    ? written.replace(/\(/g, '\uFF08').replace(/\)/g, '\uFF09')
    : written.replace(/\uFF08/g, '(').replace(/\uFF09/g, ')');
  return bracketed.replace(SPACE_BY_MARK, '');
}

/** Whether a text holds a control character (NUL, an escape, a line separator...). */
export const hasControlCharacter = (text: string): boolean => CONTROL.test(text);

/**
 * Whether a text says nothing a reader sees: empty once whitespace and invisibles go, or
 * combining marks with no character to sit on (an accent, a Thai tone mark, an enclosing
 * circle), which show as nothing or as a dotted circle.
 */
export const isBlank = (text: string): boolean => saysNothing(visibleText(text));

const saysNothing = (visible: string): boolean => /^\p{M}*$/u.test(visible);

/** A person's text in NFC without the whitespace and invisible characters at its ends. */
const visibleText = (text: string): string => text.normalize('NFC').replace(INVISIBLE_EDGES, '');

/** Longest free text a person may type into a reason or a note, in characters. */
export const MAX_FREE_TEXT = 1000;

// Line breaks (LF, or CR LF) and tabs are how a person sets out a reason; the rest would be
// kept for good in the audit log and replayed to whoever reads it: a terminal's escape
// sequences, a bell, a bare CR that writes over its line, separators and the direction
// overrides and isolates that reorder what a reader sees. Noncharacters, as in any field.
const FREE_TEXT_CONTROL =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)|\p{Noncharacter_Code_Point}/u;

/** What a character CONTROL or FREE_TEXT_CONTROL found is, as an error names it. */
const controlOf = (c: string): string =>
  `${/\p{Noncharacter_Code_Point}/u.test(c) ? 'a noncharacter' : 'a control character'} (${hex(c)})`;

/**
 * Free text a person typed, kept for good with what it explains (a steward's reason, a
 * branch change's note, a rule set draft's note): NFC, without the whitespace and invisible
 * characters at its ends (so that one made only of them is blank), without control
 * characters other than line breaks and tabs, at most MAX_FREE_TEXT characters, and with a
 * mobile, an ID number or an e-mail in it masked. Undefined when blank and not required.
 */
export function freeText(value: string, field: string, required: boolean): string | undefined {
  const text = visibleText(value);
  if (saysNothing(text)) {
    if (!required) return undefined;
    throw new BadUserInputError(`${field}: must not be blank`, { field, rule: 'REQUIRED' });
  }
  // As typed (a run of 200,000 digits is kept as the 8 characters of `[digits]`) and as kept
  // (each short e-mail kept grows to `[e-mail]`): the limit holds for the person and the log.
  const kept = maskPersonal(text);
  const problem = freeTextProblem(text) ?? freeTextProblem(kept, ' once masked');
  if (problem) {
    throw new BadUserInputError(`${field}: ${problem.message}`, { field, rule: problem.rule });
  }
  return kept;
}

/**
 * What free text kept for good breaks of its rules (control characters, MAX_FREE_TEXT
 * characters), whoever keeps it: a reason, a note, a rule set's label. `counted`: how the
 * length was counted, when not as given.
 */
export function freeTextProblem(
  text: string,
  counted = '',
): { rule: 'CONTROL_CHARACTER' | 'MAX_LENGTH'; message: string } | undefined {
  const control = FREE_TEXT_CONTROL.exec(text);
  if (control) {
    return {
      rule: 'CONTROL_CHARACTER',
      message: `contains ${controlOf(control[0])}`,
    };
  }
  // Characters are code points, as every field rule counts them.
  const length = [...text].length;
  if (length > MAX_FREE_TEXT) {
    return {
      rule: 'MAX_LENGTH',
      message: `must be at most ${MAX_FREE_TEXT} characters, got ${length}${counted}`,
    };
  }
  return undefined;
}

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** A digit, and the separators people group digits with after it (a mobile in groups). */
const NUMBER_GROUPING = new RegExp(`(\\d)[${NUMBER_SEPARATORS}]+(?=\\d)`, 'g');

/** A number written in groups, and what separates them. */
const GROUPED_NUMBER = new RegExp(`\\d+(?:[${NUMBER_SEPARATORS}]+\\d+)*[Xx]?`, 'g');
const GROUP_SEPARATOR = new RegExp(`[${NUMBER_SEPARATORS}]+`);

/**
 * The numbers that whole groups in a row of a grouped number make, up to an ID number's
 * length: a short number before a mobile (`CC01-138-0013-8000`, `Unit 3 138 0013 8000`)
 * would otherwise join it, and no reading would be a mobile's length.
 */
function groupRuns(text: string): string[] {
  return (text.match(GROUPED_NUMBER) ?? []).flatMap((number) => {
    const groups = number.split(GROUP_SEPARATOR);
    return groups.flatMap((_, first) => {
      const runs: string[] = [];
      for (let last = first, run = ''; last < groups.length && run.length < 18; last++) {
        run += groups[last];
        runs.push(run);
      }
      return runs;
    });
  });
}

/**
 * Whether `text` holds a person's mobile or e-mail, or reads as someone's resident ID number,
 * written as people write them: digits in groups (138-0013-8000, +86 138 0013 8000,
 * 110105-19491231-002X, 【139】【1234】【5671】), full-width digits, Chinese numerals
 * (一三九…), an X after a mobile's digits, full-width @ and full stop. `today`: no one was
 * born after it.
 */
function holdsPersonalValue(text: string, today: string): boolean {
  const plain = text.replace(/[\uFF10-\uFF19\uFF20\uFF0E]/g, (c) =>
    String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
  // From the start of a run only, as maskPersonal's EMAIL: linear in the text's length.
  if (/(?<![^\s@])[^\s@]+@[^\s@]+\.[^\s@]+/.test(plain)) return true;
  // The digits as written, and as read across the separators people group them with (a
  // short number before a mobile would join it in the second reading, not in the first);
  // each with Chinese numerals read as digits too (张三 before a mobile would join it then).
  const readings = [plain, asciiDigits(plain)].flatMap((digits, numerals) => {
    const glued = digits.replace(NUMBER_GROUPING, '$1');
    return [digits, glued].map((reading) => ({ reading, whole: glued.trim(), numerals }));
  });
  // A numeral of the name itself (张三, 钱七) joins the numbers read out after it: there,
  // every stretch of a mobile's or an ID number's length is read as one too.
  const stretches = (run: string) =>
    [11, 18].flatMap((length) =>
      Array.from({ length: Math.max(0, run.length - length + 1) }, (_, i) =>
        run.slice(i, i + length),
      ),
    );
  const written = new Set(
    readings.flatMap(({ reading, numerals }) => (numerals ? [] : (reading.match(/\d+/g) ?? []))),
  );
  const grouped = readings.flatMap(({ reading, whole }) =>
    groupRuns(reading).map((run) => ({ run, whole })),
  );
  const runs = readings.flatMap(({ reading, whole, numerals }) =>
    (reading.match(/\d+[Xx]?/g) ?? []).flatMap((run) => [
      { run, whole },
      // Only where numerals were read: a system's long key of digits holds every stretch.
      ...(numerals && !written.has(run.replace(/[Xx]$/, ''))
        ? stretches(run).map((stretch) => ({ run: stretch, whole }))
        : []),
    ]),
  );
  return [...runs, ...grouped].some(({ run, whole }) => {
    const digits = run.replace(/[Xx]$/, '');
    // 11 digits, a trunk 0 before them, 86 or 0086.
    if ([11, 12, 13, 15].includes(digits.length) && checkMobile(digits).ok) return true;
    if (run.length !== 18 && run.length !== 15) return false;
    const checked = checkResidentId(run, today);
    // Inside a longer key, only an 18-character number whose check character is right reads
    // as someone's: a region code, a date and a serial make many a system's keys. A key that
    // is such a number and nothing else does even mistyped, as a record's number is read.
    if (run !== whole) return checked.ok && run.length === 18;
    return checked.ok || mistypedResidentId(run, today) !== undefined;
  });
}

/**
 * Beyond this many UTF-16 units, a value is refused for its length and not read for a
 * person's number: the reading tries every stretch of a mobile's and an ID number's length
 * in it (a 100,000-character name of Chinese numerals took 0.7 s, the event loop held), and
 * a value a hundred times its field's limit is no one's typing. A customer record whose key
 * is that long is not sent back in its outcome (ingestion.service): unread, it may hold one.
 */
const UNREAD_LENGTH = 4_000;

export const unread = (text: string): boolean => text.length > UNREAD_LENGTH;

function normalizeText(
  rule: TextRule,
  value: string,
  field: string,
  required: boolean,
  errors: RecordError[],
  /** The business day, for the rules that need one (notPersonal). */
  today?: string,
): string {
  // Said whatever else the value breaks: a key refused for its length or a control character
  // is echoed in the record's outcome unless a rule says it holds a person's number. Not
  // read past UNREAD_LENGTH (see there).
  const personal = (text: string) => {
    if (rule.notPersonal && !unread(text) && holdsPersonalValue(text, today!)) {
      errors.push({
        field,
        rule: rule.notPersonal,
        message:
          "must not hold a person's mobile, resident ID number or e-mail: it is kept and shown in clear",
      });
    }
  };
  const unstorable = textProblem(value, field);
  if (unstorable) {
    errors.push(unstorable);
    personal(value);
    return value;
  }
  let normalized = value.normalize('NFC');
  if (rule.type === 'code') normalized = halfWidth(normalized);
  normalized = normalized.replace(INVISIBLE_EDGES, '');
  if (rule.type === 'name') normalized = writtenOneWay(normalized.replace(INVISIBLE, ''));
  const control = CONTROL.exec(normalized);
  const length = [...normalized].length;
  const problem: Omit<RecordError, 'field'> | undefined = control
    ? {
        rule: 'CONTROL_CHARACTER',
        message: `${field}: contains ${controlOf(control[0])}`,
      }
    : saysNothing(normalized) && mayNotBeBlank(rule, required)
      ? {
          rule: 'REQUIRED',
          message: 'must not be blank (invisible characters and lone combining marks do not count)',
        }
      : length > rule.max
        ? { rule: 'MAX_LENGTH', message: `must be at most ${rule.max} characters, got ${length}` }
        : normalized && rule.format && !rule.format.pattern.test(normalized)
          ? { rule: rule.format.rule, message: `must be ${rule.format.says}` }
          : undefined;
  if (problem) errors.push({ field, ...problem });
  personal(normalized);
  return rule.masked ? maskPersonal(normalized) : normalized;
}

/**
 * One text field by its rule, for a writer that takes no ingested record (a rename, a row of
 * a file): the value as stored, and what it breaks, named `field`.
 */
export function normalizeField(
  key: RuledFieldKey,
  value: string,
  field: string,
): { value: string; errors: RecordError[] } {
  const rule: FieldRule = FIELD_RULES[key];
  if (rule.type !== 'code' && rule.type !== 'name' && rule.type !== 'text') {
    throw new Error(`${key} is not a text field`);
  }
  if (rule.notPersonal) throw new Error(`${key} needs the business day: use normalizeRecord`);
  const errors: RecordError[] = [];
  return { value: normalizeText(rule, value, field, true, errors), errors };
}

/**
 * A Decimal by its value, with what it breaks of its column's rule: the column would refuse
 * it (numeric field overflow, failing the statement that writes the batch) or round it.
 */
function readDecimal(
  value: string,
  column: DecimalColumn | undefined,
): { value: string; problem?: Omit<RecordError, 'field'> } {
  const { negative, whole, fraction } = decimalParts(value);
  const canonical = `${negative ? '-' : ''}${whole || '0'}${fraction ? `.${fraction}` : ''}`;
  if (!column) return { value: canonical };
  const problem = negative
    ? { rule: 'NON_NEGATIVE', message: 'must be zero or more' }
    : fraction.length > column.scale
      ? { rule: 'DECIMAL_PLACES', message: `must have at most ${column.scale} decimals` }
      : whole.length > wholeDigits(column)
        ? { rule: 'MAX_VALUE', message: `must be ${limitOf(column)}` }
        : undefined;
  return { value: canonical, problem };
}

/**
 * A record as the hub stores it, with what it breaks: every text field of the record and of
 * its nested inputs normalised by its FIELD_RULES rule, every problem reported with its path
 * (`name`, `identityDocuments[0].number`, `contactPoints[1].value`). The record given is not
 * changed. A record with errors must not be written: its text may not even be storable.
 */
export function normalizeRecord<R extends object>(
  typeName: string,
  record: R,
  clock: BusinessClock,
): { record: R; errors: RecordError[] } {
  const errors: RecordError[] = [];
  const walk = (type: string, value: Record<string, unknown>, path: string) => {
    const copy = { ...value };
    for (const field of planOf(type)) {
      const given = value[field.name];
      if (given === undefined || given === null) continue;
      const at = path ? `${path}.${field.name}` : field.name;
      const { rule, nested } = field;
      const most = LIST_LIMITS[`${type}.${field.name}`];
      if (Array.isArray(given) && most !== undefined && given.length > most) {
        errors.push({
          field: at,
          rule: 'MAX_ITEMS',
          message: `must hold at most ${most} items, got ${given.length}`,
        });
      } else if (nested) {
        copy[field.name] = Array.isArray(given)
          ? given.map((item, i) => walk(nested, item, `${at}[${i}]`))
          : walk(nested, given as Record<string, unknown>, at);
      } else if (rule?.type === 'birthDate') {
        const today = clock.today();
        if ((given as string) < MIN_BIRTH_DATE || (given as string) > today) {
          errors.push({
            field: at,
            rule: 'BIRTH_DATE_RANGE',
            message: `must be from ${MIN_BIRTH_DATE} to today (${today})`,
          });
        }
      } else if (rule?.type === 'coverDate') {
        const last = addYears(clock.today(), rule.yearsAhead);
        if ((given as string) < MIN_COVER_DATE || (given as string) > last) {
          errors.push({
            field: at,
            rule: 'COVER_DATE_RANGE',
            message: `must be from ${MIN_COVER_DATE} to ${last}`,
          });
        }
      } else if (rule?.type === 'pastInstant') {
        if (!happened(clock, given as Date)) {
          errors.push({
            field: at,
            rule: 'INSTANT_RANGE',
            message: `must be ${PAST_INSTANTS}`,
          });
        }
      } else if (rule?.type === 'decimal') {
        const { value: canonical, problem } = readDecimal(given as string, rule.column);
        copy[field.name] = canonical;
        if (problem) errors.push({ field: at, ...problem });
      } else if (rule) {
        const textRule = rule.type === 'variant' ? rule.rules[value[rule.on] as string] : rule;
        if (textRule)
          copy[field.name] = normalizeText(
            textRule,
            given as string,
            at,
            field.required,
            errors,
            clock.today(),
          );
      }
    }
    return copy;
  };
  return { record: walk(typeName, record as Record<string, unknown>, '') as R, errors };
}
