/** Bearer tokens of the APIs that are not public. */
import { token } from './parsers.js';
import { variable } from './spec.js';

export const tokens = {
  admin: variable('ADMIN_TOKEN', token, { description: 'bearer token of `/api/v1/admin`; unset disables the admin API' }),
  inbox: variable('INBOX_TOKEN', token, { fallback: 'ADMIN_TOKEN', description: 'bearer token of `/api/v1/inbox`' }),
};
