import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { PAGE_SIZE } from '../read/cursor';

@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when the page was asked for after a cursor.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor?: string;

  @Field(() => String, { nullable: true })
  endCursor?: string;
}

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Page size: ${PAGE_SIZE.default} by default, at most ${PAGE_SIZE.max}.`,
  })
  first?: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string;
}

/** Names of the wrapper types the read compiler fills, keyed by node type name. */
export const connectionTypeNames = new Set<string>(['PageInfo']);

/** A Relay connection of `node`, named `<Node>Connection` with `<Node>Edge` items. */
export function Connection<T extends object>(node: ClassType<T>, nodeName: string) {
  @ObjectType(`${nodeName}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${nodeName}Connection`)
  class ConnectionType {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => [node], {
      description: 'The nodes of the edges, for clients that need no cursors.',
    })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'All items matching the filter, on every page.' })
    totalCount!: number;
  }
  connectionTypeNames.add(`${nodeName}Edge`).add(`${nodeName}Connection`);
  return ConnectionType;
}
