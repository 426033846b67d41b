/**
 * The SMP of the participants hosted here, on the Peppol SMP 1.x REST paths (reference §6.2):
 *   GET /{participant}                        → ServiceGroup (unsigned, as SMP 1.x defines it)
 *   GET /{participant}/services/{doctype}      → SignedServiceMetadata, signed with the SMP key
 * Identifiers arrive percent-encoded (`iso6523-actorid-upis%3A%3A0208%3A...`); express decodes them.
 * Mount it where the SML points: the SMP base URL may carry a path (e.g. https://ap.example/smp).
 */
import { Router, type Request } from 'express';
import { ApError } from '../errors.js';
import { formatId, parseDocumentTypeId, parseParticipantId } from '../peppol/identifiers.js';
import type { SmpDirectory } from '../peppol/smp-directory.js';
import { signSmpResponse, type SmpSigningKey } from '../peppol/smp-signature.js';
import { serviceGroupXml, signedServiceMetadataXml } from '../peppol/smp-xml.js';

export interface SmpRouterDeps {
  directory: SmpDirectory;
  signingKey: SmpSigningKey;
  /**
   * Public base URL of this SMP (what the SML points at), used in ServiceMetadataReference hrefs.
   * Without it the URL is taken from the request (protocol, Host header and mount path).
   */
  publicBaseUrl?: string;
}

const XML = 'text/xml; charset=UTF-8';
/** Signed responses kept per unsigned content: identical content needs no new signature. */
const SIGNED_CACHE_ENTRIES = 1000;

export function createSmpRouter(deps: SmpRouterDeps): Router {
  const router = Router();
  const signed = new Map<string, string>();
  const sign = (unsigned: string): string => {
    let xml = signed.get(unsigned);
    if (xml === undefined) {
      xml = signSmpResponse(unsigned, deps.signingKey);
      signed.set(unsigned, xml);
      if (signed.size > SIGNED_CACHE_ENTRIES) signed.delete(signed.keys().next().value!);
    }
    return xml;
  };
  const baseUrl = (req: Request) => deps.publicBaseUrl ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`;

  // Every SMP path starts with `scheme::value`; others are left to routes mounted after this one.
  router.get('/:participant', async (req, res, next) => {
    if (!String(req.params.participant).includes('::')) return next();
    const participant = parseParticipantId(String(req.params.participant));
    const documentTypes = await deps.directory.documentTypes(participant);
    if (!documentTypes) throw new ApError('smp.not-found', `${formatId(participant)} is not hosted here`);
    res.type(XML).send(serviceGroupXml(baseUrl(req), participant, documentTypes));
  });

  router.get('/:participant/services/:documentType', async (req, res, next) => {
    if (!String(req.params.participant).includes('::')) return next();
    const participant = parseParticipantId(String(req.params.participant));
    const documentType = parseDocumentTypeId(String(req.params.documentType));
    const information = await deps.directory.serviceInformation(participant, documentType);
    if (!information) {
      throw new ApError('smp.not-found', `${formatId(participant)} is not hosted here or does not accept ${formatId(documentType)}`);
    }
    res.type(XML).send(sign(signedServiceMetadataXml({ kind: 'information', information })));
  });

  return router;
}
