import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver, LocalDateResolver } from 'graphql-scalars';

// Exactness is the point, not range: each field's own rule (its column) says how large and how
// precise, per record. The bound only keeps a number a number, not a megabyte of digits.
const DECIMAL = /^-?\d{1,40}(\.\d{1,40})?$/;

// The refused value is not repeated: an amount field may be given any number by mistake.
const invalid = (literal?: ValueNode) =>
  new GraphQLError('Decimal must be a string of digits with an optional fraction, e.g. "1234.56"', {
    nodes: literal,
    extensions: { code: 'BAD_USER_INPUT', rule: 'DECIMAL_FORMAT' },
  });

/**
 * A Decimal by its value: its sign ('-' only when not zero), its digits before the point
 * without leading zeros, and after it without trailing zeros. 87.50, 087.5 and 87.5 are one
 * value; -0.00 is 0.
 */
export function decimalParts(value: string): {
  negative: boolean;
  whole: string;
  fraction: string;
} {
  const [, sign = '', whole = '', fraction = ''] =
    /^(-?)0*(\d*?)(?:\.(\d*?)0*)?$/.exec(value.trim()) ?? [];
  return { negative: sign === '-' && (whole + fraction).length > 0, whole, fraction };
}

/**
 * Money and ratios travel as decimal strings: a JSON number is read into a binary float
 * by most clients, and premiums must add up to the cent.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "1234.56". Never a binary float.',
  serialize(value) {
    if (typeof value === 'string' && DECIMAL.test(value)) return value;
    throw invalid();
  },
  parseValue(value) {
    if (typeof value === 'string' && DECIMAL.test(value.trim())) return value.trim();
    throw invalid();
  },
  parseLiteral(ast) {
    // Literals arrive as source text, so even 1234.56 is exact here.
    if (
      (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) &&
      DECIMAL.test(ast.value)
    ) {
      return ast.value;
    }
    throw invalid(ast);
  },
});

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * graphql-scalars' LocalDate, with the same name, description and input checks. Its
 * output check builds a Date per value to reject days like 2020-02-30, which were a tenth
 * of a segment page's executor time; the dates it writes out come from PostgreSQL `date`
 * columns, real days by construction, so a value of the right form passes as it is.
 */
const localDate = LocalDateResolver.toConfig();
// graphql-scalars takes year 0000, which PostgreSQL's calendar lacks: the statement reading
// or writing it failed, and with it a whole batch.
const fromYearOne = (date: string) => {
  if (date < '0001-01-01') throw new TypeError('no year 0');
  return date;
};
export const LocalDateScalar = quiet(
  new GraphQLScalarType<string, string>({
    ...localDate,
    serialize: (value) =>
      typeof value === 'string' && LOCAL_DATE.test(value)
        ? value
        : (LocalDateResolver.serialize(value) as string),
    parseValue: (value) => fromYearOne(localDate.parseValue(value) as string),
    parseLiteral: (ast, variables) => fromYearOne(localDate.parseLiteral(ast, variables) as string),
  }),
  'a date, YYYY-MM-DD',
  'DATE_FORMAT',
);

/** graphql-scalars' DateTime, its refusals saying what it takes instead of what it got. */
export const DateTimeScalar = quiet(
  DateTimeResolver,
  'an RFC 3339 date-time with its offset, e.g. "2026-03-01T09:30:00+08:00"',
  'DATE_TIME_FORMAT',
);

/**
 * `scalar` refusing a value with a message of its own: graphql-scalars' messages repeat the
 * value, which may be an identity number or a mobile given in the wrong field.
 */
function quiet<T>(scalar: GraphQLScalarType<T>, says: string, rule: string): GraphQLScalarType<T> {
  const config = scalar.toConfig();
  const refuse = (literal?: ValueNode) =>
    new GraphQLError(`${config.name} must be ${says}`, {
      nodes: literal,
      extensions: { code: 'BAD_USER_INPUT', rule },
    });
  return new GraphQLScalarType<T>({
    ...config,
    parseValue(value) {
      try {
        return config.parseValue(value);
      } catch {
        throw refuse();
      }
    },
    parseLiteral(ast, variables) {
      try {
        return config.parseLiteral(ast, variables);
      } catch {
        throw refuse(ast);
      }
    },
  });
}
