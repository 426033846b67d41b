/** The API client of the benches: a tenant owning SUPPLIER and a key with the send scope, as an operator provisions it. */
import type { Stores } from '../src/composition/index.js';
import { commandLineCaller, TenantsService } from '../src/services/tenants.js';
import { BASE_INVOICE_XML, BUYER, SUPPLIER } from './inbound-message.js';

/** The key's secret; `hashKey` is the server's (API_KEY_HASH_KEY_FILE, written by the server when it starts). */
export async function provisionApiSender(stores: Stores, hashKey: Buffer): Promise<string> {
  const tenants = new TenantsService({ tenants: stores.tenants, keys: stores.apiKeys, audit: stores.audit, hashKey });
  const by = commandLineCaller('bench');
  const tenant = await tenants.create(by, { name: 'Bench supplier', enterpriseNumber: SUPPLIER.slice(5) });
  await tenants.addParticipant(by, tenant.id, SUPPLIER);
  return (await tenants.createKey(by, { tenantId: tenant.id, scopes: ['send'] })).secret;
}

/** The base example as SUPPLIER's invoice to BUYER (their endpoint ids), as the API client submits it. */
export const supplierInvoiceXml = BASE_INVOICE_XML
  .replace('<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>', `<cbc:EndpointID schemeID="0208">${SUPPLIER.slice(5)}</cbc:EndpointID>`)
  .replace('<cbc:EndpointID schemeID="0002">FR23342</cbc:EndpointID>', `<cbc:EndpointID schemeID="0208">${BUYER.slice(5)}</cbc:EndpointID>`);
