import { Args, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import { readTypeSpecs } from '../read/read-model';
import { relationValue } from './compiled';

let declared: Function[] | undefined;

/**
 * The arguments of read types' relation fields, declared to type-graphql from each field's
 * `@Related({ args })` alone: one resolver class per read type, with a field resolver for
 * each such field. The compiler hands the same class's values to the field's SQL, so an
 * argument cannot be in the schema and missing from the SQL, or the other way round. Built
 * once: type-graphql keeps what is declared for the life of the process.
 */
export function relationArgumentResolvers(): Function[] {
  declared ??= [...readTypeSpecs().values()].flatMap((spec) => {
    const fields = [...spec.fields].flatMap(([name, field]) =>
      'args' in field && field.args ? [{ name, args: field.args }] : [],
    );
    if (!fields.length) return [];
    const resolver = { [`${spec.target.name}Arguments`]: class {} }[`${spec.target.name}Arguments`];
    for (const { name, args } of fields) {
      Object.defineProperty(resolver.prototype, name, {
        value: relationValue,
        configurable: true,
        writable: true,
      });
      Root()(resolver.prototype, name, 0);
      Args(args)(resolver.prototype, name, 1);
      Info()(resolver.prototype, name, 2);
      // Its type and description are the `@Field`'s of the read type.
      FieldResolver()(
        resolver.prototype,
        name,
        Object.getOwnPropertyDescriptor(resolver.prototype, name)!,
      );
    }
    Resolver(() => spec.target)(resolver);
    return [resolver];
  });
  return declared;
}
