/**
 * One message builder of the load bench's pool (bench/load-pool.ts), as its own process:
 *   node --import tsx bench/load-pool-builder.ts <key dir> <pool dir> <total> <index> <builders>
 * builds chunks index, index + builders, ... of messages 0..total-1 and prints its CPU seconds as JSON.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inboundMessage } from './inbound-message.js';
import { CHUNK, chunkFile, encodeChunk, type PooledMessage } from './load-pool.js';

const [keyDir, poolDir, total, index, builders] = process.argv.slice(2) as [string, string, string, string, string];
const sender = { privateKey: createPrivateKey(readFileSync(join(keyDir, 'sender.key'))), certificate: new X509Certificate(readFileSync(join(keyDir, 'sender.pem'))) };
const receiverCertificate = new X509Certificate(readFileSync(join(keyDir, 'ap.pem')));

for (let chunk = Number(index); chunk * CHUNK < Number(total); chunk += Number(builders)) {
  const messages: PooledMessage[] = [];
  for (let i = chunk * CHUNK; i < Math.min((chunk + 1) * CHUNK, Number(total)); i++) messages.push(await inboundMessage(i, sender, receiverCertificate));
  writeFileSync(chunkFile(poolDir, chunk), encodeChunk(messages));
}
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
