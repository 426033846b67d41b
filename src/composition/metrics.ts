/**
 * The server's Prometheus metrics: one registry of our own (never prom-client's global one), built once at
 * start-up with every metric object, so that recording is an increment or an observation on an object that
 * exists. The flows and adapters record through the Metrics interface (src/core/metrics.ts); only this file
 * knows prom-client. What is only known by asking the database (the job queue) is asked at scrape time, in
 * one bounded statement; the AP certificates' expiry is set here once. README "Metrics" lists every name.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../core/metrics.js';
import type { Logger } from '../log.js';
import { certificateExpiry } from '../pki/index.js';
import type { PostgresJobStore } from '../store/jobs.js';
import type { OurCertificate } from './certificate-expiry.js';

/** Jobs counted per status at most (the count saturates there) and the longest the statement may take. */
const QUEUE_DEPTH_CAP = 100_000;
const QUEUE_DEPTH_TIMEOUT_MS = 5_000;

// Seconds. A receipt is answered in milliseconds; a send waits for the receiver (up to the response
// timeout, 60 s by default); a large invoice takes seconds to validate, in the pool's queue included.
const AS4_RECEIVE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const AS4_SEND_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const VALIDATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MetricsParts {
  /** The job queue, asked at each scrape. */
  jobs: PostgresJobStore;
  /** Our AP certificates (none without AS4). */
  certificates: readonly OurCertificate[];
  logger: Logger;
}

export interface PrometheusMetrics {
  /** What the flows and adapters record into. */
  metrics: Metrics;
  /** One scrape: the registry in the Prometheus text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;

export function buildMetrics(parts: MetricsParts): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const received = new Counter({ name: 'peppol_documents_received_total', help: 'Documents received over AS4 and stored (the receipt sent).', registers });
  const sent = new Counter({ name: 'peppol_documents_sent_total', help: 'Outbound documents delivered: over AS4 (receipt verified) or locally to a receiver hosted here.', labelNames: ['via'] as const, registers });
  const rejected = new Counter({ name: 'peppol_documents_rejected_total', help: 'Documents rejected: received and invalid or a business duplicate (inbound), submitted and invalid (outbound).', labelNames: ['direction'] as const, registers });
  const undelivered = new Counter({
    name: 'peppol_documents_undelivered_total',
    help: 'Outbound documents whose delivery ended without reaching the receiver, by final status and error kind.',
    labelNames: ['status', 'reason'] as const,
    registers,
  });
  const refused = new Counter({ name: 'peppol_as4_receive_errors_total', help: 'AS4 messages answered with an error signal, by error kind.', labelNames: ['reason'] as const, registers });
  const receiveTime = new Histogram({ name: 'peppol_as4_receive_duration_seconds', help: 'Time to answer an AS4 message, from its first byte to the receipt or error signal, by outcome.', labelNames: ['outcome'] as const, buckets: AS4_RECEIVE_BUCKETS, registers });
  const sendTime = new Histogram({ name: 'peppol_as4_send_duration_seconds', help: 'Time to send an AS4 message (build, sign, encrypt, POST, check the answer), by outcome.', labelNames: ['outcome'] as const, buckets: AS4_SEND_BUCKETS, registers });
  const validationTime = new Histogram({ name: 'peppol_validation_duration_seconds', help: 'Time to validate a document (XSD and schematron, waiting for a worker included), by result.', labelNames: ['outcome'] as const, buckets: VALIDATION_BUCKETS, registers });
  const webhooks = new Counter({ name: 'peppol_webhook_attempts_total', help: 'Webhook delivery attempts by outcome: succeeded, retrying (failed, tried again later), failed (for good), skipped (delivery over or endpoint off).', labelNames: ['outcome'] as const, registers });
  const api = new Counter({ name: 'peppol_api_requests_total', help: 'API requests answered, by method, route template and status class.', labelNames: ['method', 'route', 'status_class'] as const, registers });

  // The series of known label values are made here, once (their labels bound and checked here, not per
  // call), and start at 0 so that a rate is defined from the first scrape; those of error kinds are made
  // when first seen.
  const children = <L extends string, C>(values: readonly L[], make: (value: L) => C): Record<L, C> =>
    Object.fromEntries(values.map((v) => [v, make(v)])) as Record<L, C>;
  const sentVia = children(['as4', 'local'] as const, (via) => sent.labels({ via }));
  const rejectedIn = children(['inbound', 'outbound'] as const, (direction) => rejected.labels({ direction }));
  const webhookOutcome = children(['succeeded', 'retrying', 'failed', 'skipped'] as const, (outcome) => webhooks.labels({ outcome }));
  for (const c of [received, ...Object.values(sentVia), ...Object.values(rejectedIn), ...Object.values(webhookOutcome)]) c.inc(0);
  const receiveBy = children(['stored', 'duplicate', 'repeat', 'error'] as const, (outcome) => receiveTime.labels({ outcome }));
  const sendBy = children(['delivered', 'failed'] as const, (outcome) => sendTime.labels({ outcome }));
  const validationBy = children(['valid', 'invalid'] as const, (outcome) => validationTime.labels({ outcome }));

  const expiry = new Gauge({ name: 'peppol_ap_certificate_expiry_timestamp_seconds', help: 'When our AP certificate expires (notAfter), in seconds since the epoch: the current one and the one being replaced.', labelNames: ['certificate'] as const, registers });
  const now = new Date();
  for (const { role, certificate } of parts.certificates) expiry.set({ certificate: role }, certificateExpiry(certificate, now, 0).notAfter.getTime() / 1000);

  const depth = new Gauge({ name: 'peppol_job_queue_depth', help: `Jobs queued (due or scheduled) and running, per kind (counted up to ${QUEUE_DEPTH_CAP} per status).`, labelNames: ['kind', 'status'] as const, registers });
  const lag = new Gauge({ name: 'peppol_job_runner_lag_seconds', help: 'Per job kind, how long the oldest due queued job has waited since it became due (0: none waiting).', labelNames: ['kind'] as const, registers });
  const scrapeErrors = new Counter({ name: 'peppol_metrics_scrape_errors_total', help: 'Scrapes whose job queue statement failed (the job gauges are then absent).', registers });
  // Both job gauges come from one statement, asked before the registry is written out; scrapes that overlap
  // share it, so that one never writes out gauges another has just reset.
  let asked: Promise<void> | null = null;
  const askQueue = () =>
    (asked ??= (async () => {
      depth.reset();
      lag.reset();
      try {
        for (const row of await parts.jobs.queueDepth(QUEUE_DEPTH_CAP, QUEUE_DEPTH_TIMEOUT_MS)) {
          depth.set({ kind: row.kind, status: row.status }, row.jobs);
          if (row.lagSeconds !== null) lag.set({ kind: row.kind }, row.lagSeconds);
        }
      } catch (err) {
        scrapeErrors.inc();
        parts.logger.warn({ err }, 'metrics: the job queue could not be read for this scrape');
      }
    })());

  return {
    metrics: {
      as4Received(outcome, seconds, reason) {
        receiveBy[outcome].observe(seconds);
        if (outcome === 'stored') received.inc();
        else if (outcome === 'error') refused.inc({ reason: reason ?? 'internal' });
      },
      as4Sent: (outcome, seconds) => sendBy[outcome].observe(seconds),
      validated: (outcome, seconds) => validationBy[outcome].observe(seconds),
      documentRejected: (direction) => rejectedIn[direction].inc(),
      documentSent: (via) => sentVia[via].inc(),
      documentUndelivered: (status, reason) => undelivered.inc({ status, reason }),
      webhookAttempt: (outcome) => webhookOutcome[outcome].inc(),
      apiRequest: (method, route, status) => api.inc({ method, route, status_class: statusClass(status) }),
    },
    async scrape() {
      const pending = askQueue();
      try {
        await pending;
        return { contentType: registry.contentType, body: await registry.metrics() };
      } finally {
        if (asked === pending) asked = null;
      }
    },
  };
}
