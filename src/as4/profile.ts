/**
 * The Peppol AS4 profile as data (peppol-reference §4), in the spirit of phase4's PMode: the fixed
 * header values, the transport profile, and the only algorithms allowed. The checks (ebms.ts,
 * signature.ts, encryption.ts, user-message.ts) and the SMP lookup read them from here. Identifier
 * schemes and the seat-id pattern belong to their own modules (peppol/identifiers, pki) and are named
 * here so the profile reads as one object.
 */
import { DOCTYPE_SCHEME, PARTICIPANT_SCHEME, PROCESS_SCHEME } from '../peppol/identifiers.js';
import { SEAT_ID } from '../pki/certificate.js';

/** Fixed Peppol AS4 header values (peppol-reference §4.2). */
export const PEPPOL = {
  PARTY_TYPE: 'urn:fdc:peppol.eu:2017:identifiers:ap',
  AGREEMENT: 'urn:fdc:peppol.eu:2017:agreements:tia:ap_provider',
  SERVICE_TYPE: PROCESS_SCHEME,
  DOCUMENT_TYPE_SCHEME: DOCTYPE_SCHEME,
  PARTICIPANT_TYPE: PARTICIPANT_SCHEME,
  ROLE_INITIATOR: 'http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/initiator',
  ROLE_RESPONDER: 'http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/responder',
  DEFAULT_MPC: 'http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/defaultMPC',
  GZIP: 'application/gzip',
  SEAT_ID,
  /** The transport profile of this profile's endpoints in SMP answers. */
  TRANSPORT_PROFILE: 'peppol-transport-as4-v2_0',
} as const;

/** The only algorithms the Peppol AS4 profile allows (peppol-reference §4.3). */
export const ALG = {
  EXC_C14N: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  RSA_SHA256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  SHA256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  SWA_SIGNATURE: 'http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform',
  SWA_CIPHERTEXT: 'http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Ciphertext-Transform',
  SWA_CONTENT_ONLY: 'http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Only',
  AES128_GCM: 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  RSA_OAEP: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  MGF1_SHA256: 'http://www.w3.org/2009/xmlenc11#mgf1sha256',
} as const;
