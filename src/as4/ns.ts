/** Namespaces and algorithm identifiers of SOAP 1.2, ebMS 3, WS-Security 1.1, XML-DSig and XML Encryption. */

export const NS = {
  S12: 'http://www.w3.org/2003/05/soap-envelope',
  EB: 'http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/',
  EBBP: 'http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0',
  WSSE: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  WSSE11: 'http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd',
  WSU: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  DS: 'http://www.w3.org/2000/09/xmldsig#',
  XENC: 'http://www.w3.org/2001/04/xmlenc#',
  XENC11: 'http://www.w3.org/2009/xmlenc11#',
  EC: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  XML: 'http://www.w3.org/XML/1998/namespace',
  XMLNS: 'http://www.w3.org/2000/xmlns/',
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

export const WSS = {
  X509V3: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3',
  BASE64: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary',
  ENCRYPTED_KEY_TOKEN: 'http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey',
} as const;

/** Fixed Peppol AS4 header values (peppol-reference §4.2). */
export const PEPPOL = {
  PARTY_TYPE: 'urn:fdc:peppol.eu:2017:identifiers:ap',
  AGREEMENT: 'urn:fdc:peppol.eu:2017:agreements:tia:ap_provider',
  SERVICE_TYPE: 'cenbii-procid-ubl',
  ACTION_PREFIX: 'busdox-docid-qns::',
  PARTICIPANT_TYPE: 'iso6523-actorid-upis',
  ROLE_INITIATOR: 'http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/initiator',
  ROLE_RESPONDER: 'http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/responder',
  DEFAULT_MPC: 'http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/defaultMPC',
  GZIP: 'application/gzip',
  SEAT_ID: /^P[A-Z]{2}[0-9]{6}$/,
} as const;
