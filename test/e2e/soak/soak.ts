/**
 * The crash soak (issue 17), shared by test/e2e/crash-soak.test.ts (a bounded run) and bench/soak.ts (a long
 * one): sustained traffic into two real access points (direct AS4 to B, API submissions to A delivered over
 * AS4 to B, webhooks from both), SIGKILL of A and B at random moments, also while they start, each restarted;
 * then, once everything had time to settle, the checks of check.ts over both databases and every record.
 */
import { check, type Findings, type Subscription } from './check.js';
import { startSoakNetwork, type SoakNode } from './nodes.js';
import { ApiClient, DirectDriver } from './traffic.js';
import { WebhookReceiver } from '../../support/webhook-receiver.js';

export interface SoakOptions {
  /** Messages in all: direct AS4 messages to B and API submissions to A (one in `apiEvery`). */
  messages: number;
  /** SIGKILLs of running processes, half of them of A, half (and the odd one) of B; some more hit a restarting one (`startUpKillShare`). */
  kills: number;
  /** New messages per second (each then sent until it has its receipt or answer). */
  rate: number;
  /** Messages of each kind (direct, API) in flight at most. */
  concurrency?: number;
  apiEvery?: number;
  /** Share of kills followed by another kill of the same process while it starts again. */
  startUpKillShare?: number;
  /** How long everything may take to settle after the traffic before the checks count what is left. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  lost: number;
  duplicated: number;
  stuck: number;
  findings: Findings;
  kills: { a: number; b: number; duringStartUp: number };
  direct: { messages: number; duplicatesSent: number; attempts: number; rebuilt: number };
  api: { submissions: number; repeats: number; attempts: number };
  webhooks: { a: number; b: number };
  seconds: { traffic: number; settle: number; total: number };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POST /api/v1/webhooks on a node with its tenant's key; the receiver verifies with the secret. */
async function subscribe(node: SoakNode, receiver: WebhookReceiver, eventTypes: string[]): Promise<Subscription> {
  const res = await fetch(`${node.url}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, eventTypes }),
  });
  const body = (await res.json()) as { secret: string; createdAt: string };
  if (res.status !== 201) throw new Error(`${node.name} refused the webhook: ${res.status} ${JSON.stringify(body)}`);
  receiver.secrets = [body.secret];
  const [row] = (await node.db.knex('webhook_endpoints').select('created_at')) as Array<{ created_at: Date }>;
  return { name: node.name, knex: node.db.knex, eventTypes, createdAt: row!.created_at, receiver };
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => {});
  const concurrency = o.concurrency ?? 16;
  const apiEvery = o.apiEvery ?? 4;
  const startUpKillShare = o.startUpKillShare ?? 0.3;
  const started = Date.now();
  const net = await startSoakNetwork();
  const receivers = { a: await WebhookReceiver.start('/a'), b: await WebhookReceiver.start('/b') };
  try {
    const { a, b } = net;
    await Promise.all([a.up(), b.up()]);
    const subscriptions = [
      await subscribe(a, receivers.a, ['document.submitted', 'document.delivered', 'document.failed', 'document.undeliverable']),
      await subscribe(b, receivers.b, ['document.received', 'document.rejected']),
    ];
    log(`A and B up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const driver = new DirectDriver(b.url, net.driverCert, b.cert);
    const client = new ApiClient(a.url, a.key);

    // Traffic: message i starts at i / rate seconds (or later, when `concurrency` of its kind are in flight:
    // submissions held up by a dead A do not hold the direct messages back).
    let completed = 0;
    const inFlight = { direct: 0, api: 0 };
    let duplicatesSent = 0;
    let repeats = 0;
    const trafficStarted = Date.now();
    const traffic = (async () => {
      const all: Promise<void>[] = [];
      for (let i = 0; i < o.messages; i++) {
        const due = trafficStarted + (i * 1000) / o.rate;
        if (due > Date.now()) await pause(due - Date.now());
        const viaA = i % apiEvery === apiEvery - 1;
        const kind = viaA ? 'api' : 'direct';
        while (inFlight[kind] >= concurrency) await pause(5);
        inFlight[kind]++;
        const twice = viaA ? i % (5 * apiEvery) === apiEvery - 1 : i % 10 === 0;
        if (twice) viaA ? repeats++ : duplicatesSent++;
        all.push(
          (viaA ? client.submit(twice) : driver.send(i, twice)).finally(() => {
            inFlight[kind]--;
            completed++;
          }),
        );
      }
      await Promise.all(all);
    })();

    // A killer per side (B gets the odd one): its kill j once (j + ½ for A) / n of the messages are done,
    // plus a random delay, so that the kills spread over the run whatever the machine's speed; sometimes
    // again while the process starts. The sides are independent: at times both are down.
    const kills = { a: 0, b: 0, duringStartUp: 0 };
    const killer = async (node: SoakNode, n: number, offset: number) => {
      for (let j = 0; j < n; j++) {
        const threshold = Math.floor((o.messages * (j + offset)) / (n + 1));
        while (completed < threshold) await pause(10);
        await pause(Math.random() * 400);
        await node.kill();
        kills[node === a ? 'a' : 'b']++;
        log(`kill ${j + 1}/${n} of ${node.name} at ${completed}/${o.messages} done`);
        if (Math.random() < startUpKillShare) {
          await node.killDuringStartUp(300 + Math.random() * 3000);
          kills.duringStartUp++;
          log(`  ${node.name} killed again while starting`);
        }
        await node.up();
      }
    };
    const killers = Promise.all([killer(b, Math.ceil(o.kills / 2), 1), killer(a, Math.floor(o.kills / 2), 1.5)]);
    await Promise.all([traffic, killers]);
    const trafficSeconds = (Date.now() - trafficStarted) / 1000;
    log(`traffic done in ${trafficSeconds.toFixed(1)} s; settling`);

    // Settle: let deliveries, validation and webhooks finish, then count what is left.
    const records = { a: a.db.knex, b: b.db.knex, direct: driver.messages, submissions: client.submissions, subscriptions };
    const settleStarted = Date.now();
    let findings = await check(records);
    while (findings.lost.length + findings.duplicated.length + findings.stuck.length > 0 && Date.now() - settleStarted < (o.settleMs ?? 60_000)) {
      await pause(1000);
      findings = await check(records);
    }
    const settleSeconds = (Date.now() - settleStarted) / 1000;
    return {
      lost: findings.lost.length,
      duplicated: findings.duplicated.length,
      stuck: findings.stuck.length,
      findings,
      kills,
      direct: { messages: driver.messages.length, duplicatesSent, attempts: driver.messages.reduce((n, m) => n + m.attempts, 0), rebuilt: driver.rebuilt },
      api: { submissions: client.submissions.length, repeats, attempts: client.submissions.reduce((n, s) => n + s.attempts, 0) },
      webhooks: { a: receivers.a.received.length, b: receivers.b.received.length },
      seconds: { traffic: trafficSeconds, settle: settleSeconds, total: (Date.now() - started) / 1000 },
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\nA: ${net.a.stderrTail()}\nB: ${net.b.stderrTail()}`, { cause: err });
  } finally {
    await receivers.a.close();
    await receivers.b.close();
    await net.close();
  }
}

/** The result in a few lines, ending with the soak's result line. */
export function describeSoak(r: SoakResult): string[] {
  const sample = (name: string, list: string[]) => list.slice(0, 10).map((x) => `  ${name}: ${x}`);
  return [
    `direct AS4 to B: ${r.direct.messages} messages (${r.direct.duplicatesSent} sent again after their receipt), ${r.direct.attempts} POSTs, ${r.direct.rebuilt} of them rebuilt (same MessageId, new signature)`,
    `API to A: ${r.api.submissions} submissions (${r.api.repeats} repeated after their answer), ${r.api.attempts} POSTs`,
    `kills: A ${r.kills.a}, B ${r.kills.b}, ${r.kills.duringStartUp} more while starting; webhooks received: A ${r.webhooks.a}, B ${r.webhooks.b}`,
    `traffic ${r.seconds.traffic.toFixed(1)} s, settled in ${r.seconds.settle.toFixed(1)} s, ${r.seconds.total.toFixed(1)} s in all`,
    ...sample('lost', r.findings.lost),
    ...sample('duplicated', r.findings.duplicated),
    ...sample('stuck', r.findings.stuck),
    `soak-result lost=${r.lost} duplicated=${r.duplicated} stuck=${r.stuck}`,
  ];
}
