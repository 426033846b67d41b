/**
 * The documents API explains every finding in the language of Accept-Language: a submission without a
 * buyer reference (PEPPOL-EN16931-R003, the first cause of B2G rejections) is refused with BT-10 named
 * in Dutch, French or English, and the stored report reads again in another language.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createValidator, type Validator } from '../../src/validation/validator.js';
import { BASE_INVOICE, SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';
import { startDocumentsApi, type DocumentsApi } from '../support/documents-api.js';

interface Issue {
  id: string;
  message: string;
  line?: number;
  businessTerm: { id: string; name: string } | null;
  explanation: { language: string; text: string; fix: string | null };
}

const withoutBuyerReference = readFileSync(BASE_INVOICE, 'utf8').replace('<cbc:BuyerReference>0150abc</cbc:BuyerReference>', '');

describe('explained reports over the API', function () {
  this.timeout(60_000);
  let validator: Validator;
  let api: DocumentsApi;
  before(async () => {
    validator = await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR });
    api = await startDocumentsApi({ prefix: 'explained', maxDocumentBytes: 1024 * 1024, validator });
  });
  after(async () => {
    await api?.close();
  });

  const r003 = (issues: Issue[]) => {
    const i = issues.find((x) => x.id === 'PEPPOL-EN16931-R003');
    assert.ok(i, issues.map((x) => x.id).join(', '));
    return i;
  };

  it('refuses a submission without buyer reference, explained in the language asked for, and reads it again in another', async () => {
    const res = await fetch(`${api.base}/api/v1/documents`, {
      method: 'POST',
      headers: { ...api.auth, 'Content-Type': 'application/xml', 'Accept-Language': 'nl-BE, fr;q=0.8' },
      body: withoutBuyerReference,
    });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('content-language'), 'nl');
    const body = (await res.json()) as { id: string; validation: { issues: Issue[] } };
    const nl = r003(body.validation.issues);
    assert.deepEqual(nl.businessTerm, { id: 'BT-10', name: 'Referentie van de koper' });
    assert.equal(nl.explanation.language, 'nl');
    assert.match(nl.explanation.text, /^De factuur bevat geen BT-10 Referentie van de koper \(cbc:BuyerReference\)/);
    assert.match(nl.explanation.fix!, /cbc:BuyerReference/);
    assert.equal(nl.message, '[PEPPOL-EN16931-R003]-A buyer reference or purchase order reference MUST be provided.', 'the official message stays');
    assert.equal(nl.line, 2, 'the line in the source document stays');

    const fr = await fetch(`${api.base}/api/v1/documents/${body.id}`, { headers: { ...api.auth, 'Accept-Language': 'fr-BE' } });
    assert.equal(fr.status, 200);
    assert.equal(fr.headers.get('content-language'), 'fr');
    const frIssue = r003(((await fr.json()) as { validation: { issues: Issue[] } }).validation.issues);
    assert.deepEqual(frIssue.businessTerm, { id: 'BT-10', name: "Référence de l'acheteur" });
    assert.match(frIssue.explanation.text, /^La facture ne contient ni BT-10 Référence de l'acheteur/);
  });

  it('answers /validate in English without Accept-Language', async () => {
    const res = await fetch(`${api.base}/api/v1/validate`, { method: 'POST', headers: { ...api.auth, 'Content-Type': 'application/xml' }, body: withoutBuyerReference });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-language'), 'en');
    const en = r003(((await res.json()) as { issues: Issue[] }).issues);
    assert.deepEqual(en.businessTerm, { id: 'BT-10', name: 'Buyer reference' });
    assert.match(en.explanation.text, /^The invoice has neither a BT-10 Buyer reference \(cbc:BuyerReference\) nor a purchase order reference/);
  });
});
