/**
 * What the access point counts and times, as the flows and adapters report it where it happens. The
 * server implements it over its Prometheus registry (src/composition/metrics.ts); tests, the CLI and
 * anything built without a registry take NO_METRICS. Each call is cheap (an increment, an observation):
 * nothing here reads the database. Durations are in seconds.
 */
import type { Direction } from './state-machine.js';

/** How an AS4 message we received was answered (src/pipeline/inbound.ts). */
export type As4ReceiveOutcome = 'stored' | 'duplicate' | 'repeat' | 'error';
/** How an outbound attempt over AS4 ended: receipt verified, or anything else. */
export type As4SendOutcome = 'delivered' | 'failed';
export type ValidationOutcome = 'valid' | 'invalid';
/** The outbound statuses a delivery ends in without reaching the receiver. */
export type UndeliveredStatus = 'failed' | 'undeliverable' | 'response-undeliverable';
/** How one webhook attempt ended: delivered, failed and retried later, failed for good, or not made. */
export type WebhookAttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'skipped';

export interface Metrics {
  /** An AS4 message answered; `reason` is the error kind when the outcome is `error`. */
  as4Received(outcome: As4ReceiveOutcome, seconds: number, reason?: string): void;
  /** An AS4 message sent, from signing to the checked answer. */
  as4Sent(outcome: As4SendOutcome, seconds: number): void;
  /** A document validated (XSD and schematron), received or submitted. */
  validated(outcome: ValidationOutcome, seconds: number): void;
  /** A document rejected: received and invalid (or a business duplicate), or submitted and invalid. */
  documentRejected(direction: Direction): void;
  /** An outbound document delivered: over AS4, or locally to a receiver hosted here. */
  documentSent(via: 'as4' | 'local'): void;
  /** An outbound document whose delivery ended without reaching the receiver; `reason` is the error kind. */
  documentUndelivered(status: UndeliveredStatus, reason: string): void;
  webhookAttempt(outcome: WebhookAttemptOutcome): void;
  /** An API request answered; `route` is the route template (`/api/v1/documents/:id`), never the path. */
  apiRequest(method: string, route: string, status: number): void;
}

const nothing = (): void => {};

/** Counts nothing: for what runs without a registry. */
export const NO_METRICS: Metrics = {
  as4Received: nothing,
  as4Sent: nothing,
  validated: nothing,
  documentRejected: nothing,
  documentSent: nothing,
  documentUndelivered: nothing,
  webhookAttempt: nothing,
  apiRequest: nothing,
};
