import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import {
  encodeIdForUrl,
  formatId,
  isValidBelgianEnterpriseNumber,
  parseDocumentTypeId,
  parseParticipantId,
  parseProcessId,
  xmlDocumentTypeParts,
} from '../../src/peppol/identifiers.js';
import { DOCUMENT_TYPES, knownDocumentType } from '../../src/peppol/document-types.js';

function rejects(fn: () => unknown, rule?: string): ApError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApError);
    assert.equal(err.kind, 'identifier.invalid');
    if (rule) assert.equal(err.details?.rule, rule);
    return err;
  }
  assert.fail('expected identifier.invalid');
}

describe('Peppol identifiers', () => {
  it('round-trips participant identifiers, normalising scheme and value to lower case', () => {
    const p = parseParticipantId('ISO6523-ACTORID-UPIS::9925:BE0123456749');
    assert.deepEqual(p, { scheme: 'iso6523-actorid-upis', value: '9925:be0123456749' });
    assert.equal(formatId(p), 'iso6523-actorid-upis::9925:be0123456749');
    assert.deepEqual(parseParticipantId(formatId(p)), p);
    // A bare value takes the Peppol participant scheme.
    assert.deepEqual(parseParticipantId('0088:5798000000001'), { scheme: 'iso6523-actorid-upis', value: '0088:5798000000001' });
  });

  it('checks Belgian enterprise numbers (0208) with mod 97', () => {
    assert.equal(isValidBelgianEnterpriseNumber('0123456749'), true);
    assert.equal(isValidBelgianEnterpriseNumber('0123456789'), false);
    assert.equal(parseParticipantId('0208:0123456749').value, '0208:0123456749');
    const err = rejects(() => parseParticipantId('0208:0123456789'), '0208-mod97');
    assert.match(err.message, /mod-97/);
    rejects(() => parseParticipantId('0208:12345'), '0208-format');
    rejects(() => parseParticipantId('0208:be0123456749'), '0208-format');
  });

  it('checks Belgian VAT numbers (9925) as be + 10 digits', () => {
    assert.equal(parseParticipantId('9925:BE0123456749').value, '9925:be0123456749');
    rejects(() => parseParticipantId('9925:0123456749'), '9925-format');
    rejects(() => parseParticipantId('9925:be01234567'), '9925-format');
  });

  it('refuses malformed participant identifiers with a clear reason', () => {
    assert.match(rejects(() => parseParticipantId('foo::0208:0123456749')).message, /scheme/);
    assert.match(rejects(() => parseParticipantId('iso6523-actorid-upis::208:1')).message, /4-digit ICD/);
    assert.match(rejects(() => parseParticipantId('iso6523-actorid-upis::')).message, /empty/);
    assert.match(rejects(() => parseParticipantId(`0088:${'1'.repeat(140)}`)).message, /135/);
    assert.match(rejects(() => parseParticipantId('0088:12 34')).message, /white space/);
  });

  it('keeps document type values case-sensitive and splits XML document types', () => {
    const inv = knownDocumentType('invoice')!;
    const parsed = parseDocumentTypeId(formatId(inv.documentType));
    assert.deepEqual(parsed, inv.documentType);
    assert.deepEqual(xmlDocumentTypeParts(parsed.value), {
      rootNamespace: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
      localName: 'Invoice',
      customizationId: 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0',
      version: '2.1',
    });
    assert.equal(xmlDocumentTypeParts('urn:peppol:doctype:pdf'), null);
    rejects(() => parseDocumentTypeId('unknown-scheme::x'));
    assert.deepEqual(parseProcessId('urn:fdc:peppol.eu:2017:poacc:billing:01:1.0'), {
      scheme: 'cenbii-procid-ubl',
      value: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
    });
    rejects(() => parseProcessId('cenbii-procid-ubl::'));
    assert.deepEqual(parseProcessId('peppol-procid-test::urn:x:1'), { scheme: 'peppol-procid-test', value: 'urn:x:1' });
    rejects(() => parseProcessId(`${'x'.repeat(26)}::urn:x:1`));
  });

  it('percent-encodes identifiers for SMP URLs', () => {
    assert.equal(encodeIdForUrl(parseParticipantId('0208:0123456749')), 'iso6523-actorid-upis%3A%3A0208%3A0123456749');
    const enc = encodeIdForUrl(knownDocumentType('creditnote')!.documentType);
    assert.ok(enc.startsWith('busdox-docid-qns%3A%3Aurn%3Aoasis'));
    assert.ok(enc.includes('CreditNote%23%23urn%3Acen.eu'));
    assert.ok(!/[:#]/.test(enc));
  });

  it('has one constants table whose XML document types all parse', () => {
    assert.ok(DOCUMENT_TYPES.length >= 9);
    for (const d of DOCUMENT_TYPES) {
      assert.ok(xmlDocumentTypeParts(d.documentType.value), d.name);
      parseProcessId(formatId(d.process));
    }
  });
});
