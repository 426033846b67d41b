/** The parsers fuzzed (test/fuzz/fuzz.test.ts for a bounded time, scripts/fuzz.ts for longer), with their seeds. */
import { readFileSync } from 'node:fs';
import { buildUserMessage, parseMimeMessage, readUserMessage } from '../../src/as4/index.js';
import { parseMimeDump } from '../../src/as4/mime/dump.js';
import { readEnvelope } from '../../src/as4/envelope.js';
import { parseSbd } from '../../src/sbdh/parse.js';
import type { FuzzTarget } from '../../src/testing/fuzz.js';
import { createValidator } from '../../src/validation/validator.js';
import { as4Fixture, SAMPLE_SBDH, sampleHeader } from '../as4/fixtures.js';
import { sbd } from '../inbound/support.js';
import { BASE_CREDIT_NOTE, BASE_INVOICE, SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';

export async function fuzzTargets(): Promise<FuzzTarget[]> {
  const f = as4Fixture();
  const built = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
  const soap = parseMimeMessage(built.contentType, built.body).root.body;
  const dump = Buffer.concat([Buffer.from(`POST /as4 HTTP/1.1\r\nHost: ap.test\r\nContent-Type: ${built.contentType}\r\n\r\n`, 'latin1'), built.body]);
  const invoice = readFileSync(BASE_INVOICE);
  const validator = await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR });
  return [
    { name: 'MIME parser (multipart/related body)', seeds: [built.body], run: (input) => parseMimeMessage(built.contentType, input) },
    { name: 'MIME dump reader (headers and body)', seeds: [dump], run: (input) => parseMimeDump(input) },
    { name: 'SOAP envelope reader', seeds: [soap], run: (input) => readEnvelope(input) },
    {
      name: 'AS4 UserMessage reader (signature, decryption, decompression)',
      seeds: [built.body],
      run: async (input) => readUserMessage(parseMimeMessage(built.contentType, input), { receiver: f.receiverId, certificateValidator: f.validator }),
    },
    { name: 'SBDH parser', seeds: [sbd()], run: (input) => parseSbd(input) },
    { name: 'validator XML entry', seeds: [invoice, readFileSync(BASE_CREDIT_NOTE)], run: (input) => validator.validate(input).valid },
  ];
}
