/**
 * Inbound checklist steps 10-11 (peppol-reference §4.8) after the AS4 layer: the SBDH must agree with the
 * ebMS headers (step 11, served here, is src/pipeline/served-here.ts).
 */
import { documentTypeOf, type UserMessage } from '../as4/index.js';
import { ApError } from '../errors.js';
import { PARTICIPANT_SCHEME, PROCESS_SCHEME, sameId, type ParticipantIdentifier, type ProcessIdentifier } from '../peppol/identifiers.js';
import type { SbdhHeader } from '../sbdh/model.js';

const inconsistent = (msg: string, field: string): never => {
  throw new ApError('sbdh.invalid', msg, { field });
};

function sameParticipantValue(ebms: { value: string; type: string | null }, sbdh: ParticipantIdentifier): boolean {
  // The ebMS property carries the scheme in @type (iso6523-actorid-upis) and `ICD:value` as text.
  const type = (ebms.type ?? '').toLowerCase();
  return (type === PARTICIPANT_SCHEME || type === sbdh.scheme.toLowerCase()) && ebms.value.trim().toLowerCase() === sbdh.value.toLowerCase();
}

/** Step 10: Sender/Receiver = originalSender/finalRecipient; DOCUMENTID/PROCESSID = Action/Service. */
export function checkSbdhAgainstUserMessage(um: UserMessage, header: SbdhHeader): void {
  if (!sameParticipantValue(um.originalSender!, header.sender)) {
    inconsistent(`SBDH Sender ${header.sender.value} differs from eb:MessageProperties originalSender ${um.originalSender!.value}`, 'Sender/Identifier');
  }
  if (!sameParticipantValue(um.finalRecipient!, header.receiver)) {
    inconsistent(`SBDH Receiver ${header.receiver.value} differs from eb:MessageProperties finalRecipient ${um.finalRecipient!.value}`, 'Receiver/Identifier');
  }
  const action = documentTypeOf(um.action);
  if (!sameId(action, header.documentType)) {
    inconsistent(`SBDH DOCUMENTID ${header.documentType.scheme}::${header.documentType.value} differs from eb:Action ${um.action}`, 'BusinessScope/Scope[DOCUMENTID]');
  }
  const service: ProcessIdentifier = { scheme: um.serviceType ?? PROCESS_SCHEME, value: um.service };
  if (!sameId(service, header.process)) {
    inconsistent(`SBDH PROCESSID ${header.process.value} differs from eb:Service ${um.service}`, 'BusinessScope/Scope[PROCESSID]');
  }
}
