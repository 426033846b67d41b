/** Namespaces and token types of SOAP 1.2, ebMS 3, WS-Security 1.1, XML-DSig and XML Encryption; the algorithms are the profile's (profile.ts). */

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

export const WSS = {
  X509V3: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3',
  BASE64: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary',
  ENCRYPTED_KEY_TOKEN: 'http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey',
} as const;
