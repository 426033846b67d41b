/** Business responses: what our SBDHs ask of the receiving access point's MLS, and how C3 answers with one. */
import { int, oneOf } from './parsers.js';
import { variable } from './spec.js';

export const responses = {
  mlsType: variable('MLS_TYPE', oneOf(['FAILURE_ONLY', 'ALWAYS_SEND'] as const), {
    default: 'FAILURE_ONLY',
    description:
      'SBDH `MLS_TYPE` of the documents we send: `FAILURE_ONLY` asks the receiving access point for an MLS only when it rejects one, `ALWAYS_SEND` also for delivered ones',
  }),
  mlsConfirmationWaitMs: variable('MLS_CONFIRMATION_WAIT_MS', int(0, 19 * 60_000), {
    default: String(10 * 60_000),
    description:
      'for a sender asking `ALWAYS_SEND`: how long a received document waits for its buyer to acknowledge it (MLS `AP`) before the MLS says `AB` (made available without confirmation); under the 20 minutes of MLS-1',
  }),
};
