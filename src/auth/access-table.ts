import { getMetadataStorage } from 'type-graphql';
import { markdownTable as table } from '../cli/markdown-table';
import { readTypeSpecs } from '../read/read-model';
import { FIELDS, OPERATIONS, REVEAL_NEEDS, REVEALS, visibility, type FieldAccess } from './access';
import { ROLES } from './roles';

/**
 * The access policy as README tables, derived from the declarations themselves (the
 * schema must be built first, so that every resolver and read type has registered), so
 * the README cannot promise what the code does not do: a unit test holds them equal.
 */
export function accessTables(): string {
  return [operationTable(), fieldTable(), revealTable()].join('\n\n');
}

const code = (names: string[]) => names.map((n) => `\`${n}\``).join(', ');

function operationTable(): string {
  const fields = getMetadataStorage().authorizedFields;
  const rows = Object.entries(OPERATIONS).map(([operation, roles]) => {
    const names = fields.filter((f) => f.roles === roles).map((f) => f.fieldName);
    return [
      `${operation}: ${code([...new Set(names)].sort())}`,
      ...ROLES.map((role) => ((roles as readonly string[]).includes(role) ? 'yes' : '—')),
    ];
  });
  return table(['operation: GraphQL fields', ...ROLES.map((r) => `\`${r}\``)], rows);
}

function fieldTable(): string {
  const typeNames = new Map(getMetadataStorage().objectTypes.map((t) => [t.target, t.name]));
  const governed = new Map<FieldAccess, string[]>();
  for (const spec of readTypeSpecs().values()) {
    for (const [name, field] of spec.fields) {
      if (!field.access) continue;
      const list = governed.get(field.access) ?? [];
      list.push(`${typeNames.get(spec.target)}.${name}`);
      governed.set(field.access, list);
    }
  }
  const rows = Object.entries(FIELDS).map(([rule, access]) => [
    `${rule}: ${code((governed.get(access) ?? []).sort())}`,
    ...ROLES.map((role) => {
      const seen = visibility(access, role);
      return seen === 'denied' ? 'FORBIDDEN' : seen;
    }),
  ]);
  return table(['field rule: fields', ...ROLES.map((r) => `\`${r}\``)], rows);
}

function revealTable(): string {
  const rows = Object.entries(REVEALS).map(([purpose, { roles, fields, needs }]) => [
    `\`${purpose}\``,
    code(roles),
    fields.join(', '),
    needs ? REVEAL_NEEDS[needs] : 'any',
  ]);
  return table(['reveal purpose', 'roles', 'unmasks', 'of a customer with'], rows);
}
