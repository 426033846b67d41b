/** The sandbox: what `serve` runs on when no AP key is configured (src/composition/sandbox.ts). */
import { folder, oneOf } from './parsers.js';
import { variable } from './spec.js';

export const sandbox = {
  mode: variable('SANDBOX', oneOf(['auto', 'off'] as const), {
    default: 'auto',
    description:
      '`auto`: without `AP_KEY_FILE`, run a sandbox (a local test PKI, two hosted demo participants, local delivery only; refused with `PEPPOL_ENVIRONMENT=production`); `off`: without AP key, documents stay queued and nothing is received',
  }),
  dir: variable('SANDBOX_DIR', folder, {
    default: 'data/sandbox',
    description: "Where the sandbox keeps its test PKI (generated on first start, reused after; the key file's mode is 0600).",
  }),
};
