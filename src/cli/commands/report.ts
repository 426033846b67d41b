/**
 * `report tsr|eusr --month YYYY-MM [--out file] [--send] [--resend]`: builds the month's Peppol report from
 * the stored reporting items and validates it (XSD and schematron); prints it (or writes --out) with its
 * verdict. --send queues it for OpenPeppol on the outbound path (a running `serve` delivers it), unless it
 * was sent already; --resend sends it again on purpose. Exit 0 valid (and queued), 1 invalid (not sent)
 * or already sent, 2 usage or configuration.
 */
import { writeFileSync } from 'node:fs';
import { buildReporting } from '../../composition/reporting.js';
import { buildStores, openCommandDatabase, queueWithoutDelivery } from '../../composition/index.js';
import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { seatIdOf } from '../../pki/index.js';
import { inlineValidationRunner } from '../../pipeline/inbound-validation.js';
import { REPORT_KINDS, type ReportKind } from '../../reporting/index.js';
import { createValidator } from '../../validation/validator.js';
import type { CliCommand } from '../command.js';
import { parseArgs } from './discovery-args.js';

const USAGE = `report tsr|eusr --month YYYY-MM [--out <file>] [--send | --resend]

  Builds the Transaction Statistics Report (tsr) or End User Statistics Report (eusr) of a month (UTC)
  from the reporting items, and validates it. Without --out the XML goes to standard output.
  --send queues it for OpenPeppol (9925:be0848934496) unless it was sent already; --resend sends it again.
  The ReporterID is the seat id of AP_CERT_FILE.`;

export const report: CliCommand = {
  name: ['report'],
  summary: 'Preview, validate or send the monthly Peppol TSR or EUSR of a month',
  usage: USAGE,
  async run(args, io) {
    const [kind, ...rest] = args;
    const a = parseArgs(rest, ['--month', '--out'], ['--send', '--resend']);
    const month = a.options.get('--month');
    if (!kind || !REPORT_KINDS.includes(kind as ReportKind) || !month || a.positional.length) {
      io.err(`Usage: peppol-ap ${USAGE}`);
      return 2;
    }
    const config = loadConfig();
    const cert = config.as4.identity?.certificate;
    const seatId = cert ? seatIdOf(cert.x509) : null;
    if (!seatId) {
      io.err('report: needs AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL (the seat id of the certificate is the ReporterID, and reports leave from this access point)');
      return 2;
    }
    const v = config.validation;
    const validation = inlineValidationRunner(await createValidator({ ublSchemasDir: v.ublSchemasDir, schematronDir: v.schematronDir, maxBytes: v.maxDocumentBytes }), v.maxDocumentBytes);
    const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level);
    const db = await openCommandDatabase(config, logger);
    try {
      const stores = buildStores(db.knex);
      const send = a.flags.has('--send') || a.flags.has('--resend');
      // Queued for any runner: the serving process delivers it.
      const queue = queueWithoutDelivery(db.knex, { maxAttempts: config.outbound.retry.maxAttempts, firstAttemptGraceMs: config.outbound.firstAttemptGraceMs });
      const reporting = buildReporting(config.reporting, { store: stores.reporting, documents: stores.documents, validation, seatId, queue, runner: null, logger });
      const k = kind as ReportKind;
      const built = await reporting.service.preview(null, k, month);
      if (a.options.has('--out')) writeFileSync(a.options.get('--out')!, built.xml);
      else io.out(built.xml);
      const fatal = built.report.issues.filter((i) => i.flag === 'fatal');
      io.err(built.report.valid ? `${k.toUpperCase()} ${month}: valid (${built.report.ruleSet?.documentType} ${built.report.ruleSet?.release})` : `${k.toUpperCase()} ${month}: INVALID, ${fatal.length} fatal issues:\n${fatal.map((i) => `  ${i.id} ${i.message}`).join('\n')}`);
      if (!send) return built.report.valid ? 0 : 1;
      const outcome = await reporting.service.send(null, k, month, { actor: 'cli', resend: a.flags.has('--resend') });
      if ('sent' in outcome) {
        io.err(`queued for OpenPeppol as document ${outcome.sent.documentId} (generation ${outcome.sent.generation})`);
        return 0;
      }
      if ('alreadySent' in outcome) io.err(`already sent (document ${outcome.alreadySent.documentId}); --resend sends it again`);
      else io.err('not sent: the report fails validation');
      return 1;
    } catch (err) {
      if (err instanceof ApError && err.kind === 'api.bad-request') {
        io.err(err.message);
        return 2;
      }
      throw err;
    } finally {
      await db.close();
      await validation.close();
    }
  },
};
