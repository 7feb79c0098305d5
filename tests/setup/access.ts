import { getMetadataStorage } from 'type-graphql';
import type { FieldAccess } from '../../src/auth/access';
import { readTypeSpecs } from '../../src/read/read-model';

/** The declared access of a GraphQL type's field, through the read classes behind it. */
export function accessOf(typeName: string, field: string): FieldAccess | undefined {
  const target = getMetadataStorage().objectTypes.find((t) => t.name === typeName)?.target;
  for (let c = target; c && c !== Object; c = Object.getPrototypeOf(c)) {
    const spec = readTypeSpecs().get(c);
    if (spec?.fields.has(field)) return spec.fields.get(field)!.access;
  }
  return undefined;
}
