/**
 * Paints a view as one self-contained HTML page: inline CSS, no script, no external resource; embedded
 * attachments are download links carrying their own bytes (data: URIs). Every text from the document is
 * escaped, attributes included, so invoice content can never become markup.
 */
import { attachmentFileName, offeredMediaType, type EmbeddedAttachment } from './attachments.js';
import { word } from './labels.js';
import type { Block, Cell, View } from './view.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Escaped text with its line breaks kept. */
const lines = (s: string): string => escapeHtml(s).replace(/\n/g, '<br/>');

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const CSS = `
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;font-size:13px;color:#1a1a1a;margin:0;background:#f4f4f4}
main{max-width:58em;margin:0 auto;padding:1.5em 2em;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h1 span{font-weight:normal;color:#555}
h2{font-size:1.05em;margin:1.4em 0 .4em;border-bottom:1px solid #ccc;padding-bottom:.2em}
.notice{background:#fff6d6;border:1px solid #e0c860;padding:.5em .8em;font-size:.9em}
.parties{display:flex;flex-wrap:wrap;gap:1.5em}.party{flex:1 1 16em}.party h2{margin-top:1em}
.name{font-weight:bold;font-size:1.05em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0}dt{color:#555}dd{margin:0}
table{width:100%;border-collapse:collapse}th{text-align:left;background:#eee;font-weight:600}
th,td{padding:.3em .4em;vertical-align:top;border-bottom:1px solid #e2e2e2}.r{text-align:right;white-space:nowrap}
.sub{color:#555;font-size:.88em}.totals{margin-left:auto;width:auto;min-width:24em}.totals .strong td{font-weight:bold;border-top:2px solid #333}
ul{padding-left:1.2em}p{margin:.3em 0;white-space:pre-wrap}
`.replace(/\n/g, '');

function cell(c: Cell, right: boolean): string {
  const sub = c.sub?.length ? c.sub.map((s) => `<div class="sub">${lines(s)}</div>`).join('') : '';
  return `<td${right ? ' class="r"' : ''}>${lines(c.main)}${sub}</td>`;
}

function facts(list: { label: string; value: string }[]): string {
  return `<dl>${list.map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${lines(f.value)}</dd>`).join('')}</dl>`;
}

function attachmentLink(a: EmbeddedAttachment | undefined, text: string): string {
  const data = a?.base64.replace(/\s+/g, '');
  if (!a || data === undefined || !BASE64.test(data)) return text;
  return `<a download="${escapeHtml(attachmentFileName(a))}" href="data:${offeredMediaType(a.mimeCode)};base64,${data}">${text}</a>`;
}

function block(b: Block, view: View, attachments: EmbeddedAttachment[]): string {
  switch (b.kind) {
    case 'parties':
      return `<div class="parties">${b.parties
        .map((p) => `<section class="party"><h2>${escapeHtml(p.heading)}</h2><div class="name">${escapeHtml(p.name)}</div>${facts(p.facts)}</section>`)
        .join('')}</div>`;
    case 'facts':
      return b.facts.length ? `<section><h2>${escapeHtml(b.heading)}</h2>${facts(b.facts)}</section>` : '';
    case 'table': {
      const head = b.columns.map((c) => `<th${c.align === 'right' ? ' class="r"' : ''} style="width:${(c.width * 100).toFixed(0)}%">${escapeHtml(c.label)}</th>`).join('');
      const rows = b.rows.map((r) => `<tr>${r.map((c, i) => cell(c, b.columns[i]?.align === 'right')).join('')}</tr>`).join('');
      return `<section><h2>${escapeHtml(b.heading)}</h2><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></section>`;
    }
    case 'totals':
      return `<section><h2>${escapeHtml(b.heading)}</h2><table class="totals"><tbody>${b.rows
        .map((r) => `<tr${r.strong ? ' class="strong"' : ''}><td>${escapeHtml(r.label)}</td><td class="r">${escapeHtml(r.value)}</td></tr>`)
        .join('')}</tbody></table></section>`;
    case 'paragraphs':
      return `<section><h2>${escapeHtml(b.heading)}</h2>${b.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</section>`;
    case 'attachments':
      return `<section><h2>${escapeHtml(b.heading)}</h2><ul>${b.items
        .map((i) => {
          const name = `<strong>${escapeHtml(i.name)}</strong>`;
          const link = i.embedded ? attachmentLink(attachments.find((a) => a.index === i.index), name) : name;
          return `<li>${link}${i.detail ? ` <span class="sub">${escapeHtml(i.detail)}</span>` : ''}${
            i.embedded && link !== name ? ` <span class="sub">(${escapeHtml(word('download', view.lang))})</span>` : ''
          }</li>`;
        })
        .join('')}</ul></section>`;
  }
}

export function paintHtml(view: View, attachments: EmbeddedAttachment[]): string {
  const title = `${view.title} ${view.number}`;
  return [
    '<!DOCTYPE html>',
    `<html lang="${view.lang}"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>`,
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><main>`,
    `<p class="notice" role="note">${escapeHtml(view.notice)}</p>`,
    `<h1>${escapeHtml(view.title)} <span>${escapeHtml(view.number)}</span></h1>`,
    ...view.blocks.map((b) => block(b, view, attachments)),
    '</main></body></html>',
  ].join('\n');
}
