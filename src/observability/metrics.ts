import { looksPersonal } from '../logger';
import type { TierObserver } from '../modules/tier/tier.service';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
} from 'prom-client';

/** Connection counts of a pool, as its driver reports them. */
export interface PoolStats {
  inUse: number;
  idle: number;
  waiting: number;
}

/** More distinct operation names than this are counted as `other`: labels stay bounded. */
const MAX_OPERATIONS = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * The hub's Prometheus metrics, in a registry of its own (one per app, so that several
 * apps in one process, as in the tests, never clash). Labels are operation names, codes,
 * outcomes and kinds: bounded sets, never query text or ids.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();

  readonly requests = this.counter({
    name: 'cif_hub_graphql_requests_total',
    help: 'GraphQL requests by operation name and outcome (ok, or the first error code).',
    labelNames: ['operation', 'outcome'],
  });
  readonly requestSeconds = new Histogram({
    name: 'cif_hub_graphql_request_duration_seconds',
    help: 'GraphQL request latency by operation name and outcome.',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly errors = this.counter({
    name: 'cif_hub_graphql_errors_total',
    help: 'GraphQL errors by code.',
    labelNames: ['code'],
  });
  readonly httpRequests = this.counter({
    name: 'cif_hub_http_requests_total',
    help: 'HTTP requests by route and status (GraphQL, export, health, readiness, metrics).',
    labelNames: ['route', 'status'],
  });
  readonly querySeconds = new Histogram({
    name: 'cif_hub_db_query_duration_seconds',
    help: 'Latency of statements on the read pool (the read path and the tier jobs).',
    labelNames: ['pool'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
    registers: [this.registry],
  });
  readonly ingestedRecords = this.counter({
    name: 'cif_hub_ingestion_records_total',
    help: 'Ingested records by kind and outcome (CREATED, UPDATED, UNCHANGED, REJECTED).',
    labelNames: ['kind', 'outcome'],
  });
  readonly matchingLockSeconds = new Histogram({
    name: 'cif_hub_ingestion_matching_lock_seconds',
    help:
      'Customer batches waiting for the matching locks (phase wait) and holding them until ' +
      'the batch is written (phase held; its commit follows). Batches that share keys run ' +
      'one after another, so held bounds their rate. scope: keys, or space for a batch that ' +
      'locks the whole matching space.',
    labelNames: ['phase', 'scope'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly tierRecomputed = this.counter({
    name: 'cif_hub_tier_recomputed_customers_total',
    help: 'Customers whose tier was recomputed, by cause (CHANGE, SCHEDULE, ACTIVATION).',
    labelNames: ['cause'],
  });
  readonly tierRecomputeSeconds = new Histogram({
    name: 'cif_hub_tier_recompute_duration_seconds',
    help: 'Duration of tier work: a worker batch, a full recompute, an activation.',
    labelNames: ['job'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 180, 600],
    registers: [this.registry],
  });
  readonly tierRecomputeProgress = new Gauge({
    name: 'cif_hub_tier_recompute_progress_ratio',
    help: 'Share of customers done by the full recompute or activation running here (0-1).',
    labelNames: ['job'],
    registers: [this.registry],
  });
  readonly exportedRows = this.counter({
    name: 'cif_hub_export_rows_total',
    help: 'Customer rows streamed by /export/customers, by format.',
    labelNames: ['format'],
  });

  constructor(sources: {
    pools: Record<string, () => PoolStats>;
    queueDepth: () => Promise<number>;
  }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cif_hub_' });
    new Gauge({
      name: 'cif_hub_db_pool_connections',
      help: 'Database connections by pool and state (in_use, idle, waiting).',
      labelNames: ['pool', 'state'],
      registers: [this.registry],
      collect() {
        for (const [pool, stats] of Object.entries(sources.pools)) {
          const { inUse, idle, waiting } = stats();
          this.set({ pool, state: 'in_use' }, inUse);
          this.set({ pool, state: 'idle' }, idle);
          this.set({ pool, state: 'waiting' }, waiting);
        }
      },
    });
    new Gauge({
      name: 'cif_hub_tier_recompute_queue_depth',
      help: 'Customers waiting in the tier recompute queue.',
      registers: [this.registry],
      async collect() {
        // Unknown while the database is down: NaN, which no threshold matches, rather than
        // the 0 an unlabelled gauge's reset() writes, which says the queue is empty.
        const depth = await sources.queueDepth().catch(() => Number.NaN);
        this.set(depth);
      },
    });
  }

  /** The tier jobs' view of these metrics (the tier module knows nothing of Prometheus). */
  tierObserver(): TierObserver {
    return {
      recomputed: (cause, customers) => this.tierRecomputed.inc({ cause }, customers),
      finished: (job, seconds) => this.tierRecomputeSeconds.observe({ job }, seconds),
      progress: (job, ratio) => this.tierRecomputeProgress.set({ job }, ratio),
    };
  }

  /** An operation name as a label: valid GraphQL names, at most MAX_OPERATIONS of them. */
  operation(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    // The caller's text: a name that may hold an ID or mobile number is not kept.
    if (!OPERATION_NAME.test(name) || looksPersonal(name)) return 'other';
    if (this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATIONS) return 'other';
    this.operations.add(name);
    return name;
  }

  private counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }
}
