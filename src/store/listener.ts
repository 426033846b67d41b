/**
 * LISTEN on a Postgres channel over one dedicated connection (a pooled one would be handed to other
 * queries). The connection is re-opened when it drops; `onReconnect` then runs, because notifications sent
 * while it was down are lost and the listener must assume anything changed.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';

export interface Listener {
  close(): Promise<void>;
}

const RETRY_MS = [200, 1_000, 5_000];

export function listen(knex: Knex, channel: string, handlers: { onNotify(payload: string): void; onReconnect(): void }, logger: Logger): Listener {
  const settings = (knex.client as unknown as { connectionSettings: pg.ClientConfig }).connectionSettings;
  let client: pg.Client | null = null;
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ ...settings, application_name: 'peppol-ap listener' });
    c.on('notification', (n) => {
      if (n.channel === channel) handlers.onNotify(n.payload ?? '');
    });
    c.on('error', (err) => {
      logger.warn({ err: err.message, channel }, 'notification listener lost its connection; reconnecting');
      void c.end().catch(() => {});
      if (client === c) client = null;
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      void c.end().catch(() => {});
      throw err;
    }
    if (closed) return void (await c.end().catch(() => {}));
    client = c;
    if (failures > 0) handlers.onReconnect();
    failures = 0;
  };

  const schedule = () => {
    if (closed || timer) return;
    // Anything may have changed while no notification could arrive.
    handlers.onReconnect();
    const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
    failures++;
    timer = setTimeout(() => {
      timer = null;
      connect().catch(() => schedule());
    }, delay);
    timer.unref();
  };

  connect().catch(() => schedule());
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
