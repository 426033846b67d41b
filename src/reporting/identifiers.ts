/**
 * The Peppol Reporting identifiers (TSR 1.0, EUSR 1.1; reference §2, §7.4): document types, process,
 * customizations, the receiver of every report, and the one transport profile counted.
 */

export const TSR_CUSTOMIZATION = 'urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0';
export const EUSR_CUSTOMIZATION = 'urn:fdc:peppol.eu:edec:trns:end-user-statistics-report:1.1';
/** ProfileID of both reports, and their process identifier (scheme cenbii-procid-ubl). */
export const REPORTING_PROCESS = 'urn:fdc:peppol.eu:edec:bis:reporting:1.0';
export const TSR_NS = 'urn:fdc:peppol:transaction-statistics-report:1.0';
export const EUSR_NS = 'urn:fdc:peppol:end-user-statistics-report:1.1';
/** Document type identifiers (scheme busdox-docid-qns). */
export const TSR_DOCUMENT_TYPE = `${TSR_NS}::TransactionStatisticsReport##${TSR_CUSTOMIZATION}::1.0`;
export const EUSR_DOCUMENT_TYPE = `${EUSR_NS}::EndUserStatisticsReport##${EUSR_CUSTOMIZATION}::1.1`;
/** MLS 1.0: counted in the TSR, not in the EUSR. */
export const MLS_DOCUMENT_TYPE = 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##urn:peppol:edec:mls:1.0::2.1';
/** OpenPeppol's participant, the receiver of every report (registered in the production SML only). */
export const OPENPEPPOL_PARTICIPANT = '9925:be0848934496';
/** The Peppol AS4 profile's transport profile identifier, the only one this access point uses. */
export const AS4_TRANSPORT_PROFILE = 'peppol-transport-as4-v2_0';

export type ReportKind = 'tsr' | 'eusr';
export const REPORT_KINDS: readonly ReportKind[] = ['tsr', 'eusr'];
export const REPORT_DOCUMENT_TYPES: Readonly<Record<ReportKind, string>> = { tsr: TSR_DOCUMENT_TYPE, eusr: EUSR_DOCUMENT_TYPE };

/** Whether an exchange of this document type counts in the TSR: every one but the reports themselves. */
export function countsInTsr(documentType: string): boolean {
  return documentType !== TSR_DOCUMENT_TYPE && documentType !== EUSR_DOCUMENT_TYPE;
}

/** Whether it counts in the EUSR as well: not the MLS (a message between service providers, no end user). */
export function countsInEusr(documentType: string): boolean {
  return countsInTsr(documentType) && documentType !== MLS_DOCUMENT_TYPE;
}
