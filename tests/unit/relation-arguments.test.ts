import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { readTypeSpecs, type RelationField } from '../../src/read/read-model';

/** The GraphQL names of an @ArgsType() class's fields, its superclasses' included. */
function declaredArguments(args: Function): string[] {
  return getMetadataStorage()
    .fields.filter((f) => f.target === args || args.prototype instanceof f.target)
    .map((f) => f.schemaName)
    .sort();
}

describe("read types' relation arguments", () => {
  let schema: GraphQLSchema;
  let relations: { type: string; field: string; spec: RelationField }[];

  beforeAll(async () => {
    schema = await buildAppSchema();
    const typeNames = new Map(getMetadataStorage().objectTypes.map((t) => [t.target, t.name]));
    relations = [...readTypeSpecs().values()].flatMap((spec) =>
      [...spec.fields].flatMap(([field, f]) =>
        f.kind === 'one' || f.kind === 'many' || f.kind === 'connection'
          ? [{ type: typeNames.get(spec.target)!, field, spec: f }]
          : [],
      ),
    );
  });

  const schemaArguments = (type: string, field: string) => {
    const fields = (schema.getType(type) as GraphQLObjectType).getFields();
    return fields[field].args.map((a) => a.name).sort();
  };

  it('are in the schema exactly as each field declares them, and nowhere else', () => {
    expect(relations.length).toBeGreaterThan(20);
    for (const { type, field, spec } of relations) {
      expect({ field: `${type}.${field}`, args: schemaArguments(type, field) }).toEqual({
        field: `${type}.${field}`,
        args: spec.args ? declaredArguments(spec.args()) : [],
      });
    }
  });

  it('page every connection', () => {
    const connections = relations.filter((r) => r.spec.kind === 'connection');
    expect(connections.map((c) => `${c.type}.${c.field}`)).toContain('Customer.policies');
    for (const { type, field } of connections) {
      expect(schemaArguments(type, field)).toEqual(expect.arrayContaining(['after', 'first']));
    }
  });

  it('include the filters a field declares (Customer.policies: status and line)', () => {
    expect(schemaArguments('Customer', 'policies')).toEqual(['after', 'first', 'line', 'status']);
  });
});
