/**
 * End users, not participant ids: the EUSR counts companies, and one company may be reached under several
 * identifiers. As the reference implementation does, identifiers of schemes that denote the same register
 * are unified before counting: in Belgium the VAT number is `BE` + the enterprise number, so
 * `9925:BE0123456789` and `0208:0123456789` are one end user; in Germany the retired 9930 scheme is 0246,
 * in Finland the OVT code of 0037 is the one of 0216 (OVT2), the value unchanged. Other identifiers are
 * compared as Peppol compares participant identifiers: scheme and value, case-insensitively.
 */

/** Schemes whose values are the same register's under a newer scheme: counted under that one. */
const SAME_REGISTER: Readonly<Record<string, string>> = { '9930': '0246', '0037': '0216' };

/** The identifier an end user is counted under: `0208:<enterprise number>` for Belgian 9925 VAT numbers. */
export function endUserOf(participantId: string): string {
  const id = participantId.trim().toLowerCase();
  const be = /^9925:be(\d{10})$/.exec(id);
  if (be) return `0208:${be[1]}`;
  const colon = id.indexOf(':');
  const unified = colon > 0 ? SAME_REGISTER[id.slice(0, colon)] : undefined;
  return unified ? `${unified}${id.slice(colon)}` : id;
}
