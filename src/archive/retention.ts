/**
 * How long the archive keeps a document (Belgium: invoices, issued and received, ten years counted from
 * 1 January of the year after the invoice date, peppol-reference §12): its bytes may go on or after 1
 * January of the invoice year + 11. A document without an issue date (rejected before it could be read)
 * counts from the day it was stored.
 */

/** The first day (UTC, YYYY-MM-DD) on which the archive may purge a document of `issueDate` (YYYY-MM-DD). */
export function archiveUntil(issueDate: string | null, storedAt: Date, years: number): string {
  const year = issueDate ? Number(issueDate.slice(0, 4)) : storedAt.getUTCFullYear();
  return `${String(year + 1 + years).padStart(4, '0')}-01-01`;
}
