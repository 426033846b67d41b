/**
 * The code lists and identifiers of the two Peppol business responses built on the UBL ApplicationResponse:
 * the Invoice Response (BIS 63, transaction T111) and the Message Level Status (MLS 1.0). The lists are
 * those of the official schematrons (PEPPOLBIS-T111 2026.5, peppol-mls 1.0.1); reference §7.1, §7.2, §7.4.
 */

/** Invoice status codes, the UNCL4343 subset of BIS 63 (`clUNCL4343-T111`). */
export const RESPONSE_CODES = ['AB', 'IP', 'UQ', 'CA', 'RE', 'AP', 'PD'] as const;
export type ResponseCode = (typeof RESPONSE_CODES)[number];

/** Clarification reasons, `listID="OPStatusReason"` (`clOPStatusReason`; PAY, UNR, FIN not yet confirmed by OpenPeppol). */
export const STATUS_REASONS = ['NON', 'REF', 'LEG', 'REC', 'QUA', 'DEL', 'PRI', 'QTY', 'ITM', 'PAY', 'UNR', 'FIN', 'PPD', 'OTH'] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];

/** Clarification actions, `listID="OPStatusAction"` (`clOPStatusAction`). */
export const STATUS_ACTIONS = ['NOA', 'PIN', 'NIN', 'CNF', 'CNP', 'CNA', 'OTH'] as const;
export type StatusAction = (typeof STATUS_ACTIONS)[number];

/** MLS response codes (`cl_rc`): AP delivered with confirmation, AB delivered without, RE rejected. */
export const MLS_CODES = ['AP', 'AB', 'RE'] as const;
export type MlsCode = (typeof MLS_CODES)[number];

/** MLS issue reasons (`cl_src`): SV syntax, BV fatal business rule, BW business warning, FD delivery failure. */
export const MLS_REASONS = ['SV', 'BV', 'BW', 'FD'] as const;
export type MlsReason = (typeof MLS_REASONS)[number];

export const INVOICE_RESPONSE_CUSTOMIZATION = 'urn:fdc:peppol.eu:poacc:trns:invoice_response:3';
export const INVOICE_RESPONSE_PROFILE = 'urn:fdc:peppol.eu:poacc:bis:invoice_response:3';
export const MLS_CUSTOMIZATION = 'urn:peppol:edec:mls:1.0';
export const MLS_PROFILE = 'urn:peppol:edec:mls';

/** The SPIS scheme: MLS parties are service providers, `0242:<seat digits>` (MLS 1.0, SPIS 1.0). */
export const SPIS_SCHEME = '0242';
