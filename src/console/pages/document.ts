/**
 * The document page: metadata, actions, the validation report (with explanations in the page's
 * language where the rule has one), the delivery evidence, the timeline, and the XML with each line a
 * finding points at highlighted and linked both ways (finding → line, line → finding).
 */
import type { DocumentDetail, DocumentEvent } from '../../services/documents.js';
import type { ValidationIssue } from '../../validation/types.js';
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import { CONSOLE_PATH } from '../session.js';
import { directionLabel, eventTypeLabel, statusLabel, utc } from './common.js';

/** Lines of XML shown at most, and characters: the rest is a download away. */
const MAX_LINES = 5000;
const MAX_CHARS = 2 * 1024 * 1024;

/** A finding as the page shows it: the official one, and its plain-language explanation where there is one. */
export interface ShownIssue extends ValidationIssue {
  explanation?: { text: string; fix: string | null };
  businessTerm?: { id: string; name: string } | null;
}

export interface DocumentView {
  detail: DocumentDetail;
  xml: string | null;
  /** The stored report's findings, explained in the page's language. */
  issues: ShownIssue[];
  /** The latest re-validation on the timeline, its findings explained. */
  revalidation: { event: DocumentEvent; valid: boolean; issues: ShownIssue[] } | null;
  csrf: string;
  notice: Parameters<Translate>[0] | null;
  /** The sender can be told (an Invoice Response RE on the buyer's behalf): a received invoice in the inbox, where responses run. */
  canNotify: boolean;
}

/** The Invoice Response reasons (OPStatusReason) the console offers. */
export const NOTIFY_REASONS = ['REF', 'LEG', 'REC', 'PRI', 'QTY', 'PAY', 'OTH'] as const;

const row = (label: string, value: Html | string | null | undefined) => html`<dt>${label}</dt><dd>${value ?? ''}</dd>`;

function findingsTable(t: Translate, issues: ShownIssue[], anchor: string | null, caption: string): Html {
  return html`<table><caption class="hint">${caption}</caption>
<thead><tr><th scope="col">#</th><th scope="col">${t('report.flag')}</th><th scope="col">${t('report.rule')}</th><th scope="col">${t('report.term')}</th><th scope="col">${t('report.explanation')}</th><th scope="col">${t('report.fix')}</th><th scope="col">${t('report.line')}</th></tr></thead>
<tbody>${issues.map(
    (i, n) => html`<tr${anchor ? html` id="${anchor}${n + 1}"` : ''}><td>${n + 1}</td><td class="${i.flag}">${t(i.flag === 'fatal' ? 'report.flag.fatal' : 'report.flag.warning')}</td><td class="mono">${i.id}</td>
<td>${i.businessTerm ? `${i.businessTerm.id} ${i.businessTerm.name}` : ''}</td>
<td>${i.explanation ? i.explanation.text : html`<span lang="en">${i.message}</span>`}${i.location ? html`<div class="hint mono">${i.location}</div>` : ''}</td>
<td>${i.explanation?.fix ?? ''}</td>
<td>${i.line ? html`<a href="#L${i.line}">${t('report.goToLine', { line: i.line })}</a>` : ''}</td></tr>`,
  )}</tbody></table>`;
}

function xmlListing(t: Translate, xml: string, issues: ShownIssue[]): Html {
  const byLine = new Map<number, number[]>();
  issues.forEach((i, n) => {
    if (i.line) byLine.set(i.line, [...(byLine.get(i.line) ?? []), n + 1]);
  });
  const text = xml.length > MAX_CHARS ? xml.slice(0, MAX_CHARS) : xml;
  const lines = text.split(/\r?\n/);
  const shown = lines.slice(0, MAX_LINES);
  const truncated = lines.length > MAX_LINES || xml.length > MAX_CHARS;
  return html`${truncated ? html`<p class="hint">${t('xml.truncated', { lines: shown.length })}</p>` : ''}
<ol class="xml" tabindex="0" aria-label="${t('doc.xml')}">${shown.map((l, i) => {
    const hits = byLine.get(i + 1);
    return hits
      ? html`<li id="L${i + 1}" class="hit">${l}${hits.map((n) => html` <a href="#F${n}" aria-label="${t('xml.finding', { n })}">[${n}]</a>`)}</li>`
      : html`<li id="L${i + 1}">${l}</li>`;
  })}</ol>`;
}

export function documentBody(t: Translate, v: DocumentView): Html {
  const { document: d, events, delivery, reception, responses } = v.detail;
  const report = d.validationReport;
  const fatal = v.issues.filter((i) => i.flag === 'fatal').length;
  const canResend = d.direction === 'outbound' && (d.status === 'failed' || d.status === 'undeliverable');
  const base = `${CONSOLE_PATH}/documents/${d.id}`;
  return html`${v.notice ? html`<p class="notice" role="status">${t(v.notice)}</p>` : ''}
<h2 id="metadata">${t('doc.metadata')}</h2>
<dl class="meta">
${row(t('doc.id'), html`<span class="mono">${d.id}</span>`)}
${row(t('table.direction'), directionLabel(t, d.direction))}
${row(t('table.status'), statusLabel(t, d.status))}
${row(t('table.invoice'), d.invoiceNumber)}
${row(t('doc.issueDate'), d.issueDate)}
${row(t('table.sender'), html`<span class="mono">${d.senderId ?? ''}</span>`)}
${row(t('table.receiver'), html`<span class="mono">${d.receiverId ?? ''}</span>`)}
${row(t('doc.tenant'), html`<span class="mono">${d.tenantId ?? t('doc.none')}</span>`)}
${row(t('doc.documentType'), html`<span class="mono">${d.documentType ?? ''}</span>`)}
${row(t('doc.process'), html`<span class="mono">${d.process ?? ''}</span>`)}
${row(t('doc.businessStatus'), d.businessStatus ?? t('doc.none'))}
${row(t('doc.mls'), d.mlsCode ?? t('doc.none'))}
${row(t('doc.payload'), html`${t('doc.bytes', { count: d.payloadSize })} <span class="mono">SHA-256 ${d.payloadSha256}</span>`)}
${row(t('table.created'), utc(d.createdAt))}
${row(t('doc.updated'), utc(d.updatedAt))}
${d.sandbox ? row(t('doc.sandbox'), t('doc.yes')) : ''}
</dl>
<h2 id="actions">${t('doc.actions')}</h2>
<div class="actions">
<form method="post" action="${base}/revalidate"><input type="hidden" name="csrf" value="${v.csrf}"><button class="primary" type="submit">${t('action.revalidate')}</button></form>
${canResend ? html`<form method="post" action="${base}/resend"><input type="hidden" name="csrf" value="${v.csrf}"><p class="hint" id="resend-help">${t('action.resendHelp')}</p><button class="primary" type="submit" aria-describedby="resend-help">${t('action.resend')}</button></form>` : ''}
${v.canNotify ? html`<form method="post" action="${base}/notify"><input type="hidden" name="csrf" value="${v.csrf}"><p class="hint" id="notify-help">${t('action.notifyHelp')}</p>
<p><label for="reason">${t('action.reason')}</label><select id="reason" name="reason">${NOTIFY_REASONS.map((r) => html`<option value="${r}">${t(`reason.${r}`)}</option>`)}</select></p>
<p><label for="reason-text">${t('action.reasonText')}</label><textarea id="reason-text" name="text" rows="2" maxlength="1000" required></textarea></p>
<button class="primary" type="submit" aria-describedby="notify-help">${t('action.notify')}</button></form>` : ''}
<form method="post" action="${base}/handled"><input type="hidden" name="csrf" value="${v.csrf}"><p><label for="note">${t('action.note')}</label><textarea id="note" name="note" rows="2" maxlength="2000" required></textarea></p><button class="primary" type="submit">${t('action.handled')}</button></form>
</div>
<h2 id="report">${t('doc.report')}</h2>
${report
    ? html`<p>${report.valid ? t('report.valid') : t('report.invalid', { count: fatal })} ${report.ruleSet ? t('report.ruleSet', { name: report.ruleSet.documentType, release: report.ruleSet.release }) : ''}</p>
${v.issues.length ? findingsTable(t, v.issues, 'F', t('report.stored')) : ''}`
    : html`<p>${t('report.none')}</p>`}
${v.revalidation
    ? html`<h3 id="revalidation">${t('report.revalidated', { at: utc(v.revalidation.event.at), actor: v.revalidation.event.actor })}</h3>
<p>${v.revalidation.valid ? t('report.valid') : t('report.invalid', { count: v.revalidation.issues.filter((i) => i.flag === 'fatal').length })}</p>
${v.revalidation.issues.length ? findingsTable(t, v.revalidation.issues, null, t('report.revalidated', { at: utc(v.revalidation.event.at), actor: v.revalidation.event.actor })) : ''}`
    : ''}
<h2 id="evidence">${t('doc.evidence')}</h2>
${delivery !== undefined ? deliveryPart(t, v.detail, base) : ''}
${reception ? receptionPart(t, v.detail, base) : ''}
<h3>${t('evidence.responses')}</h3>
${responses.length
    ? html`<table><thead><tr><th scope="col">${t('evidence.kind')}</th><th scope="col">${t('evidence.code')}</th><th scope="col">${t('table.direction')}</th><th scope="col">${t('table.status')}</th><th scope="col">${t('table.created')}</th></tr></thead><tbody>${responses.map(
        (r) => html`<tr><td><a href="${CONSOLE_PATH}/documents/${r.responseDocumentId}">${r.kind}</a></td><td>${r.responseCode}</td><td>${directionLabel(t, r.direction)}</td><td>${statusLabel(t, r.status)}</td><td>${utc(r.createdAt)}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t('evidence.noResponses')}</p>`}
<h2 id="timeline">${t('doc.timeline')}</h2>
<table><thead><tr><th scope="col">${t('event.at')}</th><th scope="col">${t('event.type')}</th><th scope="col">${t('event.move')}</th><th scope="col">${t('event.reason')}</th><th scope="col">${t('event.actor')}</th></tr></thead>
<tbody>${events.map(
    (e) => html`<tr><td>${utc(e.at)}</td><td>${eventTypeLabel(t, e.type)}</td><td>${e.fromStatus ? `${statusLabel(t, e.fromStatus)} → ` : ''}${e.toStatus ? statusLabel(t, e.toStatus) : ''}</td><td>${e.reason ?? ''}</td><td class="mono">${e.actor}</td></tr>`,
  )}</tbody></table>
<h2 id="xml">${t('doc.xml')}</h2>
${v.xml !== null ? html`<p><a href="${base}/payload" download>${t('xml.download')}</a></p>${xmlListing(t, v.xml, v.issues)}` : html`<p>${t('xml.noPayload')}</p>`}`;
}

function deliveryPart(t: Translate, detail: DocumentDetail, base: string): Html {
  const delivery = detail.delivery;
  if (!delivery) return html`<p>${t('evidence.none')}</p>`;
  const s = delivery.state;
  return html`<dl class="meta">
${row(t('evidence.attempts'), String(s.attempts))}
${row(t('evidence.messageId'), html`<span class="mono">${s.as4MessageId ?? ''}</span>`)}
${row(t('evidence.conversationId'), html`<span class="mono">${s.conversationId ?? ''}</span>`)}
${row(t('evidence.instanceId'), html`<span class="mono">${s.sbdhInstanceId ?? ''}</span>`)}
${row(t('evidence.endpoint'), html`<span class="mono">${s.endpointUrl ?? ''}</span>`)}
${row(t('evidence.toSeat'), s.receiverSeatId)}
${s.lastError ? row(t('evidence.lastError'), html`<span lang="en">${s.lastErrorKind ? `${s.lastErrorKind}: ` : ''}${s.lastError}</span>`) : ''}
${s.nextAttemptAt ? row(t('evidence.nextAttempt'), utc(s.nextAttemptAt)) : ''}
${s.deliveredAt ? row(t('evidence.deliveredAt'), utc(s.deliveredAt)) : ''}
${row(t('evidence.receipt'), delivery.evidence?.receiptMessageId ? html`<span class="mono">${delivery.evidence.receiptMessageId}</span> <a href="${base}/receipt" download>${t('evidence.downloadReceipt')}</a>` : t('evidence.noReceipt'))}
</dl>
${delivery.attempts.length
    ? html`<table><thead><tr><th scope="col">${t('evidence.attempt')}</th><th scope="col">${t('evidence.started')}</th><th scope="col">${t('evidence.outcome')}</th><th scope="col">${t('evidence.endpoint')}</th><th scope="col">${t('evidence.lastError')}</th></tr></thead><tbody>${delivery.attempts.map(
        (a) => html`<tr><td>${a.attempt}</td><td>${utc(a.startedAt)}</td><td>${a.outcome}</td><td class="mono">${a.endpointUrl ?? ''}</td><td lang="en">${a.errorKind ? `${a.errorKind}: ` : ''}${a.error ?? ''}</td></tr>`,
      )}</tbody></table>`
    : ''}`;
}

function receptionPart(t: Translate, detail: DocumentDetail, base: string): Html {
  const records = detail.reception ?? [];
  if (!records.length) return html`<p>${t('evidence.none')}</p>`;
  return html`<h3>${t('evidence.reception')}</h3>${records.map(
    (r) => html`<dl class="meta">
${row(t('evidence.messageId'), html`<span class="mono">${r.messageId}</span>`)}
${row(t('evidence.conversationId'), html`<span class="mono">${r.conversationId ?? ''}</span>`)}
${row(t('evidence.instanceId'), html`<span class="mono">${r.sbdhInstanceId ?? ''}</span>`)}
${row(t('evidence.fromSeat'), r.fromPartyId)}
${row(t('evidence.toSeat'), r.toPartyId)}
${row(t('table.created'), utc(r.createdAt))}
${row(t('evidence.receipt'), r.receiptMessageId ? html`<span class="mono">${r.receiptMessageId}</span> <a href="${base}/receipt" download>${t('evidence.downloadReceipt')}</a>` : t('evidence.noReceipt'))}
</dl>`,
  )}`;
}
