/**
 * The words of every e-mail this access point sends, in Dutch, French and English. The invoice's own
 * values (number, names, dates) are inserted as the document gives them.
 */
export type EmailLanguage = 'nl' | 'fr' | 'en';
export const EMAIL_LANGUAGES: readonly EmailLanguage[] = ['nl', 'fr', 'en'];

export interface DocumentFacts {
  /** Invoice, CreditNote, ApplicationResponse. */
  kind: string | null;
  number: string | null;
  issueDate: string | null;
  supplier: string | null;
  buyer: string | null;
}

export interface EmailText {
  subject: string;
  text: string;
}

const KIND: Record<EmailLanguage, Record<string, string>> = {
  nl: { Invoice: 'Factuur', CreditNote: 'Creditnota', ApplicationResponse: 'Antwoord' },
  fr: { Invoice: 'Facture', CreditNote: 'Note de crédit', ApplicationResponse: 'Réponse' },
  en: { Invoice: 'Invoice', CreditNote: 'Credit note', ApplicationResponse: 'Response' },
};

const kindOf = (lang: EmailLanguage, f: DocumentFacts) => KIND[lang][f.kind ?? ''] ?? KIND[lang]['Invoice']!;
const number = (f: DocumentFacts) => f.number ?? '?';
const party = (name: string | null) => name ?? '?';

const ORIGINAL: Record<EmailLanguage, string> = {
  nl: 'De PDF is een weergave van het XML-bestand; het bijgevoegde XML-bestand is het originele document.',
  fr: "Le PDF est une présentation du fichier XML ; le fichier XML joint est le document original.",
  en: 'The PDF is a rendering of the XML file; the attached XML file is the original document.',
};

const SIGNATURE: Record<EmailLanguage, string> = {
  nl: '-- \nAutomatisch bericht van het Peppol-toegangspunt. Antwoord niet op dit bericht.',
  fr: '-- \nMessage automatique du point d’accès Peppol. Ne répondez pas à ce message.',
  en: '-- \nAutomatic message from the Peppol access point. Do not reply to this message.',
};

const body = (lang: EmailLanguage, ...lines: string[]) => [...lines, '', SIGNATURE[lang]].join('\n');

/** An invoice for a buyer that is not on Peppol (the outbound fallback). */
export function invoiceByEmail(lang: EmailLanguage, f: DocumentFacts): EmailText {
  const k = kindOf(lang, f);
  const texts: Record<EmailLanguage, EmailText> = {
    nl: {
      subject: `${k} ${number(f)} van ${party(f.supplier)}`,
      text: body(lang, `${party(f.buyer)},`, '', `${party(f.supplier)} stuurt u ${k.toLowerCase()} ${number(f)} van ${f.issueDate ?? '?'}. U bent niet bereikbaar via Peppol; daarom krijgt u ze per e-mail.`, ORIGINAL.nl),
    },
    fr: {
      subject: `${k} ${number(f)} de ${party(f.supplier)}`,
      text: body(lang, `${party(f.buyer)},`, '', `${party(f.supplier)} vous envoie le document ${k.toLowerCase()} ${number(f)} du ${f.issueDate ?? '?'}. Vous n’êtes pas joignable via Peppol ; c’est pourquoi vous le recevez par e-mail.`, ORIGINAL.fr),
    },
    en: {
      subject: `${k} ${number(f)} from ${party(f.supplier)}`,
      text: body(lang, `${party(f.buyer)},`, '', `${party(f.supplier)} sends you ${k.toLowerCase()} ${number(f)} of ${f.issueDate ?? '?'}. You cannot be reached over Peppol, so it comes by e-mail.`, ORIGINAL.en),
    },
  };
  return texts[lang];
}

/** A received document its body has not picked up within the pick-up delay. */
export function notPickedUp(lang: EmailLanguage, f: DocumentFacts, participant: string, hours: number): EmailText {
  const k = kindOf(lang, f);
  const texts: Record<EmailLanguage, EmailText> = {
    nl: {
      subject: `Niet opgehaald: ${k.toLowerCase()} ${number(f)} van ${party(f.supplier)}`,
      text: body(lang, `${k} ${number(f)} van ${party(f.supplier)} voor ${participant} staat al ${hours} uur in de inbox zonder te zijn opgehaald. Het blijft daar beschikbaar tot het einde van de bewaartermijn.`, ORIGINAL.nl),
    },
    fr: {
      subject: `Non retiré : ${k.toLowerCase()} ${number(f)} de ${party(f.supplier)}`,
      text: body(lang, `Le document ${k.toLowerCase()} ${number(f)} de ${party(f.supplier)} pour ${participant} attend depuis ${hours} heures dans la boîte de réception sans avoir été retiré. Il y reste disponible jusqu’à la fin de la durée de conservation.`, ORIGINAL.fr),
    },
    en: {
      subject: `Not picked up: ${k.toLowerCase()} ${number(f)} from ${party(f.supplier)}`,
      text: body(lang, `${k} ${number(f)} from ${party(f.supplier)} for ${participant} has waited ${hours} hours in the inbox without being picked up. It stays available there until its retention ends.`, ORIGINAL.en),
    },
  };
  return texts[lang];
}

/** An Invoice Response for a supplier that cannot receive one over Peppol. */
export function responseByEmail(lang: EmailLanguage, invoice: DocumentFacts, code: string): EmailText {
  const texts: Record<EmailLanguage, EmailText> = {
    nl: {
      subject: `Antwoord op factuur ${number(invoice)}: ${code}`,
      text: body(lang, `${party(invoice.buyer)} antwoordt op factuur ${number(invoice)} van ${invoice.issueDate ?? '?'} met status ${code}. U kunt geen antwoorden ontvangen via Peppol; daarom krijgt u het per e-mail.`, ORIGINAL.nl),
    },
    fr: {
      subject: `Réponse à la facture ${number(invoice)} : ${code}`,
      text: body(lang, `${party(invoice.buyer)} répond à la facture ${number(invoice)} du ${invoice.issueDate ?? '?'} avec le statut ${code}. Vous ne pouvez pas recevoir de réponses via Peppol ; c’est pourquoi vous la recevez par e-mail.`, ORIGINAL.fr),
    },
    en: {
      subject: `Response to invoice ${number(invoice)}: ${code}`,
      text: body(lang, `${party(invoice.buyer)} answers invoice ${number(invoice)} of ${invoice.issueDate ?? '?'} with status ${code}. You cannot receive responses over Peppol, so it comes by e-mail.`, ORIGINAL.en),
    },
  };
  return texts[lang];
}

export type NotificationEvent = 'document.received' | 'document.failed' | 'webhook.disabled';
export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = ['document.received', 'document.failed', 'webhook.disabled'];

export interface NotificationFacts {
  /** The document's facts (received, failed) or the endpoint's URL (webhook disabled). */
  document?: DocumentFacts;
  documentId?: string;
  status?: string;
  reason: string | null;
  webhookUrl?: string;
}

/** A notification a tenant subscribed to. */
export function notification(lang: EmailLanguage, event: NotificationEvent, n: NotificationFacts): EmailText {
  const f = n.document ?? { kind: null, number: null, issueDate: null, supplier: null, buyer: null };
  const k = kindOf(lang, f);
  const why = n.reason ?? '';
  const texts: Record<NotificationEvent, Record<EmailLanguage, EmailText>> = {
    'document.received': {
      nl: { subject: `Nieuw in de inbox: ${k.toLowerCase()} ${number(f)} van ${party(f.supplier)}`, text: body(lang, `${k} ${number(f)} van ${party(f.supplier)} voor ${party(f.buyer)} staat in de inbox (document ${n.documentId}).`) },
      fr: { subject: `Nouveau dans la boîte de réception : ${k.toLowerCase()} ${number(f)} de ${party(f.supplier)}`, text: body(lang, `Le document ${k.toLowerCase()} ${number(f)} de ${party(f.supplier)} pour ${party(f.buyer)} est dans la boîte de réception (document ${n.documentId}).`) },
      en: { subject: `New in the inbox: ${k.toLowerCase()} ${number(f)} from ${party(f.supplier)}`, text: body(lang, `${k} ${number(f)} from ${party(f.supplier)} for ${party(f.buyer)} is in the inbox (document ${n.documentId}).`) },
    },
    'document.failed': {
      nl: { subject: `Levering mislukt: ${k.toLowerCase()} ${number(f)} aan ${party(f.buyer)}`, text: body(lang, `${k} ${number(f)} aan ${party(f.buyer)} kon niet worden geleverd (status ${n.status}, document ${n.documentId}).`, `Reden: ${why}`) },
      fr: { subject: `Échec de la livraison : ${k.toLowerCase()} ${number(f)} à ${party(f.buyer)}`, text: body(lang, `Le document ${k.toLowerCase()} ${number(f)} à ${party(f.buyer)} n’a pas pu être livré (statut ${n.status}, document ${n.documentId}).`, `Raison : ${why}`) },
      en: { subject: `Delivery failed: ${k.toLowerCase()} ${number(f)} to ${party(f.buyer)}`, text: body(lang, `${k} ${number(f)} to ${party(f.buyer)} could not be delivered (status ${n.status}, document ${n.documentId}).`, `Reason: ${why}`) },
    },
    'webhook.disabled': {
      nl: { subject: `Webhook uitgeschakeld: ${n.webhookUrl}`, text: body(lang, `Het webhook-eindpunt ${n.webhookUrl} is uitgeschakeld en ontvangt geen berichten meer.`, `Reden: ${why}`) },
      fr: { subject: `Webhook désactivé : ${n.webhookUrl}`, text: body(lang, `Le point de terminaison webhook ${n.webhookUrl} est désactivé et ne reçoit plus de messages.`, `Raison : ${why}`) },
      en: { subject: `Webhook disabled: ${n.webhookUrl}`, text: body(lang, `The webhook endpoint ${n.webhookUrl} is disabled and receives no more messages.`, `Reason: ${why}`) },
    },
  };
  return texts[event][lang];
}
