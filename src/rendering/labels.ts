/**
 * The words of the renderings in Dutch, French and English, and the names of the codes a reader meets
 * (UNCL1001 document types, UNCL5305 VAT categories, UNCL4461 payment means, UNCL4343 and the BIS 63
 * clarification lists, the common UN/ECE Rec. 20 units). A code without a name here is shown as written.
 */
import type { RenderLanguage } from './format.js';

type Words = readonly [nl: string, fr: string, en: string];

const WORDS = {
  invoice: ['Factuur', 'Facture', 'Invoice'],
  creditNote: ['Creditnota', 'Note de crédit', 'Credit note'],
  invoiceResponse: ['Factuurantwoord', 'Réponse à la facture', 'Invoice response'],
  renderingNotice: [
    'Leesbare weergave van het elektronische document (XML). Het XML-bestand blijft het origineel; bijlagen worden ongewijzigd aangeboden.',
    'Représentation lisible du document électronique (XML). Le fichier XML reste l’original ; les pièces jointes sont fournies telles quelles.',
    'Human-readable rendering of the electronic document (XML). The XML remains the original; attachments are offered as they are.',
  ],
  number: ['Nummer', 'Numéro', 'Number'],
  documentType: ['Documenttype', 'Type de document', 'Document type'],
  issueDate: ['Factuurdatum', 'Date de facture', 'Issue date'],
  issueDateResponse: ['Datum', 'Date', 'Date'],
  dueDate: ['Vervaldatum', 'Date d’échéance', 'Due date'],
  taxPointDate: ['Btw-opeisbaarheidsdatum', 'Date d’exigibilité de la TVA', 'VAT point date'],
  period: ['Factuurperiode', 'Période de facturation', 'Invoicing period'],
  currency: ['Munt', 'Devise', 'Currency'],
  taxCurrency: ['Btw-munt', 'Devise de TVA', 'VAT currency'],
  buyerReference: ['Referentie koper', 'Référence de l’acheteur', 'Buyer reference'],
  accountingCost: ['Boekhoudkundige referentie', 'Référence comptable', 'Buyer accounting reference'],
  order: ['Bestelling', 'Commande', 'Order'],
  salesOrder: ['Verkooporder', 'Commande client', 'Sales order'],
  contract: ['Contract', 'Contrat', 'Contract'],
  project: ['Project', 'Projet', 'Project'],
  despatch: ['Verzendadvies', 'Avis d’expédition', 'Despatch advice'],
  receipt: ['Ontvangstbevestiging', 'Avis de réception', 'Receiving advice'],
  originator: ['Aanbesteding', 'Appel d’offres', 'Tender or lot'],
  precedingInvoice: ['Vorige factuur', 'Facture précédente', 'Preceding invoice'],
  invoicedObject: ['Gefactureerd object', 'Objet facturé', 'Invoiced object'],
  seller: ['Verkoper', 'Vendeur', 'Seller'],
  buyer: ['Koper', 'Acheteur', 'Buyer'],
  payee: ['Begunstigde', 'Bénéficiaire', 'Payee'],
  taxRepresentative: ['Fiscaal vertegenwoordiger', 'Représentant fiscal', 'Tax representative'],
  sender: ['Afzender', 'Expéditeur', 'Sender'],
  receiver: ['Ontvanger', 'Destinataire', 'Receiver'],
  tradingName: ['Handelsnaam', 'Nom commercial', 'Trading name'],
  endpoint: ['Peppol-adres', 'Adresse Peppol', 'Peppol address'],
  identifier: ['Identificatie', 'Identifiant', 'Identifier'],
  vatNumber: ['Btw-nummer', 'Numéro de TVA', 'VAT number'],
  taxNumber: ['Fiscaal nummer', 'Numéro fiscal', 'Tax registration'],
  legalId: ['Ondernemingsnummer', 'Numéro d’entreprise', 'Legal registration'],
  legalForm: ['Rechtsvorm', 'Forme juridique', 'Legal information'],
  contact: ['Contact', 'Contact', 'Contact'],
  delivery: ['Levering', 'Livraison', 'Delivery'],
  deliveryDate: ['Leveringsdatum', 'Date de livraison', 'Delivery date'],
  deliveryLocation: ['Leveringsplaats', 'Lieu de livraison', 'Delivery location'],
  deliverTo: ['Geleverd aan', 'Livré à', 'Deliver to'],
  references: ['Referenties', 'Références', 'References'],
  lines: ['Factuurlijnen', 'Lignes de facture', 'Invoice lines'],
  lineNo: ['Nr.', 'N°', 'No.'],
  description: ['Omschrijving', 'Description', 'Description'],
  quantity: ['Hoeveelheid', 'Quantité', 'Quantity'],
  unitPrice: ['Eenheidsprijs', 'Prix unitaire', 'Unit price'],
  per: ['per', 'par', 'per'],
  grossPrice: ['brutoprijs', 'prix brut', 'gross price'],
  priceDiscount: ['korting op de prijs', 'remise sur le prix', 'price discount'],
  vat: ['Btw', 'TVA', 'VAT'],
  lineAmount: ['Bedrag excl. btw', 'Montant HTVA', 'Net amount'],
  sellersItemId: ['art. verkoper', 'art. vendeur', 'seller’s item'],
  buyersItemId: ['art. koper', 'art. acheteur', 'buyer’s item'],
  standardItemId: ['standaard-id', 'identifiant standard', 'standard id'],
  classification: ['classificatie', 'classification', 'classification'],
  origin: ['oorsprong', 'origine', 'origin'],
  orderLine: ['bestellijn', 'ligne de commande', 'order line'],
  allowance: ['Korting', 'Remise', 'Allowance'],
  charge: ['Toeslag', 'Majoration', 'Charge'],
  allowancesCharges: ['Kortingen en toeslagen', 'Remises et majorations', 'Allowances and charges'],
  reason: ['Reden', 'Motif', 'Reason'],
  base: ['basis', 'base', 'base'],
  amount: ['Bedrag', 'Montant', 'Amount'],
  vatBreakdown: ['Btw-overzicht', 'Récapitulatif TVA', 'VAT breakdown'],
  vatCategory: ['Btw-categorie', 'Catégorie de TVA', 'VAT category'],
  vatRate: ['Tarief', 'Taux', 'Rate'],
  taxableAmount: ['Maatstaf van heffing', 'Base imposable', 'Taxable amount'],
  taxAmount: ['Btw-bedrag', 'Montant de TVA', 'VAT amount'],
  exemption: ['Vrijstellingsreden', 'Motif d’exonération', 'Exemption reason'],
  totals: ['Totalen', 'Totaux', 'Totals'],
  totalLines: ['Totaal lijnen', 'Total des lignes', 'Sum of line amounts'],
  totalAllowances: ['Totaal kortingen', 'Total des remises', 'Sum of allowances'],
  totalCharges: ['Totaal toeslagen', 'Total des majorations', 'Sum of charges'],
  totalExclusive: ['Totaal excl. btw', 'Total HTVA', 'Total without VAT'],
  totalVat: ['Totaal btw', 'Total TVA', 'Total VAT'],
  totalVatInTaxCurrency: ['Totaal btw in btw-munt', 'Total TVA en devise de TVA', 'Total VAT in VAT currency'],
  totalInclusive: ['Totaal incl. btw', 'Total TVAC', 'Total with VAT'],
  prepaid: ['Reeds betaald', 'Déjà payé', 'Paid amount'],
  rounding: ['Afronding', 'Arrondi', 'Rounding'],
  payable: ['Te betalen', 'Montant à payer', 'Amount due'],
  payment: ['Betaling', 'Paiement', 'Payment'],
  paymentMeans: ['Betaalwijze', 'Moyen de paiement', 'Payment means'],
  iban: ['Rekening (IBAN)', 'Compte (IBAN)', 'Account (IBAN)'],
  accountName: ['Rekeninghouder', 'Titulaire du compte', 'Account name'],
  bic: ['BIC', 'BIC', 'BIC'],
  structuredCommunication: ['Gestructureerde mededeling', 'Communication structurée', 'Structured communication'],
  paymentId: ['Betalingskenmerk', 'Référence de paiement', 'Payment reference'],
  card: ['Kaart', 'Carte', 'Card'],
  mandate: ['Domiciliëringsmandaat', 'Mandat de domiciliation', 'Direct debit mandate'],
  debitedAccount: ['Gedebiteerde rekening', 'Compte débité', 'Debited account'],
  paymentTerms: ['Betalingsvoorwaarden', 'Conditions de paiement', 'Payment terms'],
  notes: ['Opmerkingen', 'Remarques', 'Notes'],
  attachments: ['Bijlagen', 'Pièces jointes', 'Attachments'],
  attachmentEmbedded: ['ingesloten in het XML-bestand', 'incluse dans le fichier XML', 'embedded in the XML'],
  attachmentExternal: ['externe link (niet gevolgd)', 'lien externe (non suivi)', 'external link (not followed)'],
  attachmentsInPdf: [
    'Ingesloten bijlagen zitten ongewijzigd in dit PDF-bestand (paperclip van de PDF-lezer).',
    'Les pièces jointes incluses figurent telles quelles dans ce PDF (trombone du lecteur PDF).',
    'Embedded attachments are carried unchanged in this PDF (the PDF reader’s paperclip).',
  ],
  download: ['downloaden', 'télécharger', 'download'],
  bytes: ['bytes', 'octets', 'bytes'],
  page: ['Pagina', 'Page', 'Page'],
  of: ['van', 'sur', 'of'],
  response: ['Antwoord', 'Réponse', 'Response'],
  responseCode: ['Status', 'Statut', 'Status'],
  effectiveDate: ['Geldig vanaf', 'Date d’effet', 'Effective date'],
  clarifications: ['Toelichting', 'Précisions', 'Clarifications'],
  respondedInvoice: ['Beantwoorde factuur', 'Facture concernée', 'Invoice responded to'],
  condition: ['Voorwaarde', 'Condition', 'Condition'],
  issuer: ['Uitgever', 'Émetteur', 'Issuer'],
  recipient: ['Ontvanger', 'Destinataire', 'Recipient'],
  time: ['Tijd', 'Heure', 'Time'],
} as const satisfies Record<string, Words>;

export type WordKey = keyof typeof WORDS;

const INDEX: Record<RenderLanguage, 0 | 1 | 2> = { nl: 0, fr: 1, en: 2 };

export function word(key: WordKey, lang: RenderLanguage): string {
  return WORDS[key][INDEX[lang]];
}

type CodeList = Readonly<Record<string, Words>>;

/** UNCL1001, the subset BIS 3.0 allows for invoices and credit notes. */
const DOCUMENT_TYPES: CodeList = {
  '71': ['Verzoek om betaling', 'Demande de paiement', 'Request for payment'],
  '80': ['Debetnota (goederen of diensten)', 'Note de débit (biens ou services)', 'Debit note related to goods or services'],
  '81': ['Creditnota (goederen of diensten)', 'Note de crédit (biens ou services)', 'Credit note related to goods or services'],
  '82': ['Factuur voor meetdiensten', 'Facture de services mesurés', 'Metered services invoice'],
  '83': ['Creditnota (financiële aanpassing)', 'Note de crédit (ajustement financier)', 'Credit note related to financial adjustments'],
  '84': ['Debetnota (financiële aanpassing)', 'Note de débit (ajustement financier)', 'Debit note related to financial adjustments'],
  '261': ['Zelfgefactureerde creditnota', 'Note de crédit autofacturée', 'Self billed credit note'],
  '262': ['Geconsolideerde creditnota', 'Note de crédit consolidée', 'Consolidated credit note'],
  '296': ['Creditnota voor prijsverschil', 'Note de crédit pour écart de prix', 'Credit note for price variation'],
  '308': ['Delcredere-creditnota', 'Note de crédit ducroire', 'Delcredere credit note'],
  '325': ['Pro-formafactuur', 'Facture pro forma', 'Proforma invoice'],
  '326': ['Deelfactuur', 'Facture partielle', 'Partial invoice'],
  '380': ['Handelsfactuur', 'Facture commerciale', 'Commercial invoice'],
  '381': ['Creditnota', 'Note de crédit', 'Credit note'],
  '383': ['Debetnota', 'Note de débit', 'Debit note'],
  '384': ['Verbeterde factuur', 'Facture rectificative', 'Corrected invoice'],
  '386': ['Voorschotfactuur', 'Facture d’acompte', 'Prepayment invoice'],
  '389': ['Zelfgefactureerde factuur', 'Autofacture', 'Self-billed invoice'],
  '393': ['Factoringfactuur', 'Facture d’affacturage', 'Factored invoice'],
  '395': ['Consignatiefactuur', 'Facture de consignation', 'Consignment invoice'],
  '396': ['Factoring-creditnota', 'Note de crédit d’affacturage', 'Factored credit note'],
  '420': ['Creditnota voor OCR-betaling', 'Note de crédit de paiement OCR', 'Optical Character Reading (OCR) payment credit note'],
  '456': ['Debetcorrectie', 'Correction de débit', 'Debit adjustment'],
  '457': ['Terugboeking van debet', 'Extourne de débit', 'Reversal of debit'],
  '458': ['Terugboeking van credit', 'Extourne de crédit', 'Reversal of credit'],
  '527': ['Zelfgefactureerde debetnota', 'Note de débit autofacturée', 'Self billed debit note'],
  '532': ['Creditnota van expediteur', 'Note de crédit du transitaire', 'Forwarder’s credit note'],
  '575': ['Verzekeraarsfactuur', 'Facture de l’assureur', 'Insurer’s invoice'],
  '623': ['Factuur van expediteur', 'Facture du transitaire', 'Forwarder’s invoice'],
  '633': ['Havenkostenfactuur', 'Facture de frais portuaires', 'Port charges documents'],
  '751': ['Factuurinformatie voor de boekhouding', 'Information de facture pour la comptabilité', 'Invoice information for accounting purposes'],
  '780': ['Vrachtfactuur', 'Facture de fret', 'Freight invoice'],
  '817': ['Claimnota', 'Note de réclamation', 'Claim notification'],
  '870': ['Consulaire factuur', 'Facture consulaire', 'Consular invoice'],
  '875': ['Deelfactuur bouwwerken', 'Facture partielle de construction', 'Partial construction invoice'],
  '876': ['Deelfactuur eindafrekening bouwwerken', 'Facture partielle finale de construction', 'Partial final construction invoice'],
  '877': ['Eindfactuur bouwwerken', 'Facture finale de construction', 'Final construction invoice'],
  '935': ['Douanefactuur', 'Facture douanière', 'Customs invoice'],
};

/** UNCL5305 as EN 16931 uses it. */
const VAT_CATEGORIES: CodeList = {
  S: ['Standaardtarief', 'Taux normal', 'Standard rate'],
  Z: ['Nultarief', 'Taux zéro', 'Zero rated goods'],
  E: ['Vrijgesteld', 'Exonéré', 'Exempt from tax'],
  AE: ['Btw verlegd', 'Autoliquidation', 'VAT reverse charge'],
  K: ['Intracommunautaire levering', 'Livraison intracommunautaire', 'Intra-community supply'],
  G: ['Uitvoer buiten de EU', 'Exportation hors UE', 'Export outside the EU'],
  O: ['Buiten de btw', 'Hors champ de la TVA', 'Not subject to VAT'],
  L: ['Canarische Eilanden (IGIC)', 'Îles Canaries (IGIC)', 'Canary Islands general indirect tax'],
  M: ['Ceuta en Melilla (IPSI)', 'Ceuta et Melilla (IPSI)', 'Tax for production, services and importation in Ceuta and Melilla'],
  B: ['Italiaanse splitsing van betaling', 'Paiement scindé italien', 'Transferred (VAT), Italy'],
};

/** UNCL4461, the codes met in practice. */
const PAYMENT_MEANS: CodeList = {
  '1': ['Niet bepaald', 'Non défini', 'Instrument not defined'],
  '10': ['Contant', 'Espèces', 'In cash'],
  '20': ['Cheque', 'Chèque', 'Cheque'],
  '30': ['Overschrijving', 'Virement', 'Credit transfer'],
  '31': ['Debetoverschrijving', 'Virement de débit', 'Debit transfer'],
  '42': ['Betaling op bankrekening', 'Paiement sur compte bancaire', 'Payment to bank account'],
  '48': ['Bankkaart', 'Carte bancaire', 'Bank card'],
  '49': ['Domiciliëring', 'Domiciliation', 'Direct debit'],
  '54': ['Kredietkaart', 'Carte de crédit', 'Credit card'],
  '55': ['Debetkaart', 'Carte de débit', 'Debit card'],
  '57': ['Doorlopende opdracht', 'Ordre permanent', 'Standing agreement'],
  '58': ['SEPA-overschrijving', 'Virement SEPA', 'SEPA credit transfer'],
  '59': ['SEPA-domiciliëring', 'Domiciliation SEPA', 'SEPA direct debit'],
  '68': ['Online betaaldienst', 'Service de paiement en ligne', 'Online payment service'],
  '97': ['Verrekening tussen partners', 'Compensation entre partenaires', 'Clearing between partners'],
  ZZZ: ['Onderling overeengekomen', 'Convenu entre les parties', 'Mutually defined'],
};

/** UNCL4343 subset of BIS 63. */
const RESPONSE_CODES: CodeList = {
  AB: ['Ontvangen', 'Reçue', 'Acknowledged'],
  IP: ['In behandeling', 'En cours de traitement', 'In process'],
  UQ: ['In onderzoek', 'En cours d’examen', 'Under query'],
  CA: ['Voorwaardelijk aanvaard', 'Acceptée sous conditions', 'Conditionally accepted'],
  RE: ['Geweigerd', 'Refusée', 'Rejected'],
  AP: ['Aanvaard', 'Acceptée', 'Accepted'],
  PD: ['Betaald', 'Payée', 'Fully paid'],
};

/** BIS 63 clarification reasons (OPStatusReason) and actions (OPStatusAction). */
const STATUS_CLARIFICATIONS: CodeList = {
  NON: ['Geen probleem', 'Aucun problème', 'No issue'],
  REF: ['Referenties ontbreken of zijn fout', 'Références manquantes ou erronées', 'References incorrect'],
  LEG: ['Wettelijke informatie fout', 'Informations légales erronées', 'Legal information incorrect'],
  REC: ['Ontvanger onbekend', 'Destinataire inconnu', 'Receiver unknown'],
  QUA: ['Kwaliteit niet aanvaard', 'Qualité non acceptée', 'Item quality insufficient'],
  DEL: ['Leveringsprobleem', 'Problème de livraison', 'Delivery issues'],
  PRI: ['Prijzen fout', 'Prix erronés', 'Prices incorrect'],
  QTY: ['Hoeveelheid fout', 'Quantité erronée', 'Quantity incorrect'],
  ITM: ['Artikels fout', 'Articles erronés', 'Items incorrect'],
  PAY: ['Betalingsvoorwaarden fout', 'Conditions de paiement erronées', 'Payment terms incorrect'],
  UNR: ['Niet herkend', 'Non reconnue', 'Not recognized'],
  FIN: ['Financieringsvoorwaarden niet aanvaard', 'Conditions de financement non acceptées', 'Finance terms not accepted'],
  PPD: ['Gedeeltelijk betaald', 'Partiellement payée', 'Partially paid'],
  OTH: ['Andere', 'Autre', 'Other'],
  NOA: ['Geen actie vereist', 'Aucune action requise', 'No action required'],
  PIN: ['Nieuwe factuur met correcties versturen', 'Envoyer une facture corrigée', 'Provide information'],
  NIN: ['Nieuwe factuur versturen', 'Envoyer une nouvelle facture', 'Issue new invoice'],
  CNF: ['Volledige creditnota versturen', 'Envoyer une note de crédit complète', 'Credit fully'],
  CNP: ['Gedeeltelijke creditnota versturen', 'Envoyer une note de crédit partielle', 'Credit partially'],
  CNA: ['Creditnota voor het bedrag versturen', 'Envoyer une note de crédit du montant', 'Credit the amount'],
};

/** UN/ECE Recommendation 20 and 21, the units most invoices use. */
const UNITS: CodeList = {
  C62: ['stuk', 'pièce', 'unit'],
  H87: ['stuk', 'pièce', 'piece'],
  EA: ['stuk', 'pièce', 'each'],
  XPP: ['stuk', 'pièce', 'piece'],
  NAR: ['aantal', 'nombre', 'number of articles'],
  SET: ['set', 'lot', 'set'],
  PR: ['paar', 'paire', 'pair'],
  HUR: ['uur', 'heure', 'hour'],
  MIN: ['minuut', 'minute', 'minute'],
  DAY: ['dag', 'jour', 'day'],
  WEE: ['week', 'semaine', 'week'],
  MON: ['maand', 'mois', 'month'],
  ANN: ['jaar', 'an', 'year'],
  KGM: ['kg', 'kg', 'kg'],
  GRM: ['g', 'g', 'g'],
  TNE: ['ton', 'tonne', 'tonne'],
  MTR: ['m', 'm', 'm'],
  KMT: ['km', 'km', 'km'],
  CMT: ['cm', 'cm', 'cm'],
  MTK: ['m²', 'm²', 'm²'],
  MTQ: ['m³', 'm³', 'm³'],
  LTR: ['l', 'l', 'l'],
  KWH: ['kWh', 'kWh', 'kWh'],
  LS: ['forfait', 'forfait', 'lump sum'],
  ZZ: ['onderling bepaald', 'défini d’un commun accord', 'mutually defined'],
};

const LISTS = { documentType: DOCUMENT_TYPES, vatCategory: VAT_CATEGORIES, paymentMeans: PAYMENT_MEANS, responseCode: RESPONSE_CODES, statusClarification: STATUS_CLARIFICATIONS, unit: UNITS };

export type CodeListName = keyof typeof LISTS;

/** The name of a code in the reader's language, undefined when the list does not name it. */
export function codeName(list: CodeListName, code: string | undefined, lang: RenderLanguage): string | undefined {
  if (code === undefined) return undefined;
  const names = LISTS[list][code];
  return names ? names[INDEX[lang]] : undefined;
}

/** "Name (code)" when the code is named, else the code as written. */
export function codeWithName(list: CodeListName, code: string | undefined, lang: RenderLanguage): string {
  if (code === undefined) return '';
  const name = codeName(list, code, lang);
  return name === undefined ? code : `${name} (${code})`;
}
