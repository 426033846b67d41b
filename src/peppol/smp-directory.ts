/** What the SMP publishes: the hosted participants and, per document type, their service information. */
import type { DocumentTypeIdentifier, ParticipantIdentifier } from './identifiers.js';
import type { ServiceInformation } from './smp-xml.js';

export interface SmpDirectory {
  /** The document types a hosted participant accepts, or null when the participant is not hosted here. */
  documentTypes(participant: ParticipantIdentifier): Promise<DocumentTypeIdentifier[] | null>;
  /** Processes and endpoints for one document type, or null when not hosted / not accepted. */
  serviceInformation(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier): Promise<ServiceInformation | null>;
}
