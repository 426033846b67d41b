/**
 * End users, not participant ids: the EUSR counts companies, and one company may be reached under several
 * identifiers. As the reference implementation does, identifiers of schemes that denote the same register
 * are unified before counting: in Belgium the VAT number is `BE` + the enterprise number, so
 * `9925:BE0123456789` and `0208:0123456789` are one end user. Other identifiers are compared as Peppol
 * compares participant identifiers: scheme and value, case-insensitively.
 */

/** The identifier an end user is counted under: `0208:<enterprise number>` for Belgian 9925 VAT numbers. */
export function endUserOf(participantId: string): string {
  const id = participantId.trim().toLowerCase();
  const be = /^9925:be(\d{10})$/.exec(id);
  return be ? `0208:${be[1]}` : id;
}
