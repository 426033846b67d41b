/** Bearer tokens of the APIs that are not public. */
import { text } from './parsers.js';
import { variable } from './spec.js';

export const tokens = {
  admin: variable('ADMIN_TOKEN', text, { description: 'bearer token of `/api/v1/admin`; unset disables the admin API' }),
  inbox: variable('INBOX_TOKEN', text, { fallback: 'ADMIN_TOKEN', description: 'bearer token of `/api/v1/inbox`' }),
};
