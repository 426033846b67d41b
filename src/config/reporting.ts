/** Peppol Reporting: when the monthly TSR and EUSR are sent to OpenPeppol, and whether they are. */
import { int, oneOf } from './parsers.js';
import { variable } from './spec.js';

export const reporting = {
  mode: variable('REPORTING', oneOf(['auto', 'on', 'off'] as const), {
    default: 'auto',
    description:
      'the monthly Peppol reports (TSR, EUSR) to OpenPeppol: `auto` sends them on the production network only (`PEPPOL_ENVIRONMENT=production`, where OpenPeppol\'s participant is registered), `on` whenever AS4 sending runs, `off` never (`peppol-ap report` still previews)',
  }),
  day: variable('REPORTING_DAY', int(1, 15), {
    default: '2',
    description: 'day of the month (UTC, from 00:00) on which the reports of the month before are built and sent; OpenPeppol takes them from day 1 to day 15',
  }),
};
