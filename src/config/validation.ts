/** Validation of every document: the artifacts it is compiled from, its size limit, its worker threads. */
import { existingFolder, folder, int } from './parsers.js';
import { variable } from './spec.js';

export const validation = {
  maxDocumentBytes: variable('MAX_DOCUMENT_BYTES', int(1024, 1024 * 1024 * 1024), {
    default: String(20 * 1024 * 1024),
    description: 'Largest accepted request body / XML document; larger gets 413. With our AP configured, an API submission past `AS4_SPOOL_THRESHOLD_BYTES` (or this) is spooled to a file instead, up to `AS4_MAX_MESSAGE_BYTES`, and this bounds its validation copy.',
  }),
  ublSchemasDir: variable('UBL_SCHEMAS_DIR', folder, { default: 'ubl-schemas', description: 'Where the UBL 2.1 schemas are installed and loaded from.' }),
  schematronDir: variable('SCHEMATRON_DIR', folder, {
    default: 'schematron',
    description: 'Where the CEN and Peppol rules (and the official examples) are installed and loaded from.',
  }),
  artifactsSource: variable('ARTIFACTS_SOURCE', existingFolder, {
    description: 'Artifacts step only: a folder laid out like `shared/artifacts` to copy the artifacts from instead of downloading them.',
  }),
  workers: variable('INBOUND_VALIDATION_WORKERS', int(0, 64), {
    default: '1',
    description: 'validation worker threads, for received documents and API submissions alike (0: validate in the main thread)',
  }),
};
