/**
 * The API reference page, rendered from the OpenAPI document on the server: operations by tag with their
 * parameters, bodies and responses, then the shared responses and the schemas. No script and nothing
 * loaded from elsewhere; the one inline stylesheet is allowed by its hash (the page's own CSP).
 */
import { createHash } from 'node:crypto';
import { METHODS, type Header, type JsonSchema, type OpenApiDocument, type Operation, type Parameter, type Reference, type Response } from './types.js';

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code{font:13px ui-monospace,monospace;background:#f2f2f4;padding:0 .2em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f7f7f9}.op{border-top:2px solid #ddd;margin-top:2rem}.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}
nav li{list-style:none}a{color:#0b57d0}`;

export interface ReferencePage {
  html: string;
  /** The Content-Security-Policy that lets the page's stylesheet, and nothing else, apply. */
  contentSecurityPolicy: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
/** Text with `code` spans, the only markup the descriptions use. */
const prose = (s: string | undefined) => (s ? esc(s).replace(/`([^`]+)`/g, '<code>$1</code>') : '');
const paragraphs = (s: string) => s.split(/\n\n+/).map((p) => `<p>${prose(p)}</p>`).join('\n');

const isRef = (x: unknown): x is Reference => typeof x === 'object' && x !== null && '$ref' in x;
const refName = (r: Reference) => r.$ref.slice(r.$ref.lastIndexOf('/') + 1);
const schemaLink = (name: string) => `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
const opAnchor = (op: Operation) => `op-${esc(op.operationId)}`;

/** A schema in one line: `string (uuid)`, `array of Capability`, `Delivery | null`, `'a' | 'b'`. */
function typeOf(s: JsonSchema): string {
  if (isRef(s)) return schemaLink(refName(s));
  if ('const' in s) return `<code>${esc(JSON.stringify(s['const']))}</code>`;
  if (Array.isArray(s['enum'])) return s['enum'].map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  if (Array.isArray(s['anyOf'])) return (s['anyOf'] as JsonSchema[]).map(typeOf).join(' | ');
  const types = Array.isArray(s['type']) ? (s['type'] as string[]) : typeof s['type'] === 'string' ? [s['type']] : [];
  const named = types.map((t) => (t === 'array' && s['items'] ? `array of ${typeOf(s['items'] as JsonSchema)}` : esc(t))).join(' | ');
  const format = typeof s['format'] === 'string' ? ` (${esc(s['format'])})` : '';
  return (named || 'any') + format;
}

/** Property rows, nested objects (and arrays of them) flattened under dotted names. */
function propertyRows(s: JsonSchema, prefix = ''): string[] {
  const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s['required'] ?? []) as string[]);
  return Object.entries(props).flatMap(([name, p]) => {
    const nested = p['type'] === 'array' && p['items'] && !isRef(p['items']) ? (p['items'] as JsonSchema) : p;
    const row = `<tr><td><code>${esc(prefix + name)}</code></td><td>${typeOf(p)}</td><td>${required.has(name) ? 'yes' : ''}</td><td>${prose(p['description'] as string | undefined)}${p['deprecated'] ? ' <em>Deprecated.</em>' : ''}</td></tr>`;
    return [row, ...(nested['properties'] ? propertyRows(nested, `${prefix}${name}${nested === p ? '' : '[]'}.`) : [])];
  });
}

function schemaSection(name: string, s: JsonSchema): string {
  const rows = propertyRows(s);
  const table = rows.length ? `<table><tr><th>property</th><th>type</th><th>required</th><th>description</th></tr>${rows.join('')}</table>` : `<p>${typeOf(s)}</p>`;
  return `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${s['description'] ? `<p>${prose(s['description'] as string)}</p>` : ''}${table}</section>`;
}

function contentCell(content: Response['content']): string {
  return Object.entries(content ?? {})
    .map(([type, m]) => `<code>${esc(type)}</code>${m.schema ? `: ${typeOf(m.schema)}` : ''}`)
    .join('<br>');
}

function headerNames(headers: Response['headers']): string {
  return Object.keys(headers ?? {}).map((h) => `<code>${esc(h)}</code>`).join(', ');
}

function responseRow(doc: OpenApiDocument, status: string, r: Response | Reference): string {
  const resolved = isRef(r) ? doc.components.responses[refName(r)]! : r;
  return `<tr><td>${esc(status)}</td><td>${prose(resolved.description)}</td><td>${contentCell(resolved.content)}</td><td>${headerNames(resolved.headers)}</td></tr>`;
}

function parameterRow(doc: OpenApiDocument, p: Parameter | Reference): string {
  const q = isRef(p) ? doc.components.parameters[refName(p)]! : p;
  return `<tr><td><code>${esc(q.name)}</code></td><td>${q.in}</td><td>${q.required ? 'yes' : ''}</td><td>${typeOf(q.schema)}</td><td>${prose(q.description)}</td></tr>`;
}

function operationSection(doc: OpenApiDocument, method: string, path: string, op: Operation): string {
  const base = doc.servers[0]?.url ?? '';
  const auth = op.security && op.security.length === 0 ? 'Public: no key needed.' : 'Needs <code>Authorization: Bearer &lt;key&gt;</code>.';
  const params = op.parameters?.length
    ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>type</th><th>description</th></tr>${op.parameters.map((p) => parameterRow(doc, p)).join('')}</table>`
    : '';
  const body = op.requestBody ? `<h4>Request body</h4><p>${prose(op.requestBody.description)}</p><p>${contentCell(op.requestBody.content)}</p>` : '';
  const responses = Object.entries(op.responses).map(([status, r]) => responseRow(doc, status, r)).join('');
  return `<section class="op" id="${opAnchor(op)}"><h3><span class="m">${method}</span><code>${esc(base + path)}</code></h3>
<p><strong>${prose(op.summary)}</strong></p>${op.description ? paragraphs(op.description) : ''}<p>${auth}</p>${params}${body}
<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>body</th><th>headers</th></tr>${responses}</table></section>`;
}

function operations(doc: OpenApiDocument): Array<{ tag: string; method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ tag: item[method]!.tags[0] ?? 'other', method, path, op: item[method]! }] : [])),
  );
}

export function renderReferencePage(doc: OpenApiDocument): ReferencePage {
  const ops = operations(doc);
  const tags = [...new Set(ops.map((o) => o.tag))];
  const nav = tags
    .map((t) => `<li><strong>${esc(t)}</strong><ul>${ops.filter((o) => o.tag === t).map((o) => `<li><a href="#${opAnchor(o.op)}"><span class="m">${o.method}</span>${esc(o.path)}</a> ${prose(o.op.summary)}</li>`).join('')}</ul></li>`)
    .join('');
  const schemes = Object.entries(doc.components.securitySchemes).map(([name, s]) => `<p><code>${esc(name)}</code> (HTTP ${s.scheme}, <code>${esc(s.bearerFormat)}</code>): ${prose(s.description)}</p>`);
  const shared = Object.entries(doc.components.responses).map(([name, r]) => responseRow(doc, name, r)).join('');
  const headers = Object.entries(doc.components.headers).map(([name, h]: [string, Header]) => `<tr><td><code>${esc(name)}</code></td><td>${typeOf(h.schema)}</td><td>${prose(h.description)}</td></tr>`).join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} ${esc(doc.info.version)}</title><style>${STYLE}</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
${paragraphs(doc.info.description)}
<p>The same as OpenAPI 3.1: <a href="openapi.json">openapi.json</a>. Paths are under <code>${esc(doc.servers[0]?.url ?? '/')}</code>.</p>
<h2>Authentication</h2>${schemes.join('')}
<h2>Operations</h2><nav><ul>${nav}</ul></nav>
${tags.map((t) => `<h2>${esc(t)}</h2>${ops.filter((o) => o.tag === t).map((o) => operationSection(doc, o.method, o.path, o.op)).join('\n')}`).join('\n')}
<h2>Shared responses</h2><table><tr><th>name</th><th>description</th><th>body</th><th>headers</th></tr>${shared}</table>
<h2>Headers</h2><table><tr><th>name</th><th>type</th><th>description</th></tr>${headers}</table>
<h2>Schemas</h2>${Object.entries(doc.components.schemas).map(([name, s]) => schemaSection(name, s)).join('\n')}
</body></html>
`;
  const styleHash = createHash('sha256').update(STYLE).digest('base64');
  return { html, contentSecurityPolicy: `default-src 'none'; style-src 'sha256-${styleHash}'; frame-ancestors 'none'` };
}
