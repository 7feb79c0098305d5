import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ROWS } from '../../auth/rows';
import { JSONObjectResolver } from 'graphql-scalars';
import { Connection } from '../../graphql/connection';
import { Column, ReadsFrom } from '../../read/read-model';
import { AuditAction, AuditEvent } from './audit-event.entity';
import { DateTimeScalar } from '../../graphql/scalars';

registerEnumType(AuditAction, { name: 'AuditAction' });

@ObjectType('AuditEvent', { description: 'One entry of the append-only audit log.' })
@ReadsFrom(() => AuditEvent, { rows: ROWS.auditEvent })
export class AuditEventView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => DateTimeScalar)
  @Column()
  occurredAt!: Date;

  @Field(() => AuditAction)
  @Column()
  action!: AuditAction;

  @Field(() => String, { description: "The token's subject, or the command that acted." })
  @Column()
  actorSubject!: string;

  @Field(() => String)
  @Column()
  actorRole!: string;

  @Field(() => String)
  @Column()
  actorBranch!: string;

  @Field(() => String, { nullable: true, description: 'The X-Request-Id of the request.' })
  @Column()
  requestId?: string;

  @Field(() => String, { description: 'What kind of record was touched, e.g. ContactPoint.' })
  @Column()
  targetType!: string;

  @Field(() => String, { nullable: true })
  @Column()
  targetId?: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Why, in the actor's words: a reveal's stated purpose, a steward's reason, a branch change's note (masked as kept).",
  })
  @Column()
  purpose?: string;

  @Field(() => JSONObjectResolver, { description: 'What was touched: fields, counts, versions.' })
  @Column()
  details!: Record<string, unknown>;
}

export const AuditEventConnection = Connection(AuditEventView, 'AuditEvent');

@InputType('AuditEventFilter', { description: 'Every condition given must hold.' })
export class AuditEventFilter {
  @Field(() => [AuditAction], { nullable: true })
  actions?: AuditAction[];

  @Field(() => String, { nullable: true })
  actorSubject?: string;

  @Field(() => String, { nullable: true })
  targetType?: string;

  @Field(() => String, { nullable: true })
  targetId?: string;

  @Field(() => String, { nullable: true })
  requestId?: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'At or after this instant.' })
  from?: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Before this instant.' })
  to?: Date;
}
