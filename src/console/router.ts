/**
 * The operator console under /console: server-rendered HTML pages and forms (no script needed), over the
 * services only. Signed-in pages need a session (src/services/console-users.ts); the public page does
 * not. Every POST is checked for its origin and CSRF token; every action and every document read is
 * written to the audit log. Another tenant's document is answered 404, as the API does.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ApError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ConsoleSession, ConsoleUsersService } from '../services/console-users.js';
import type { DocumentsService } from '../services/documents.js';
import type { ResponsesService } from '../services/responses.js';
import type { SupportService } from '../services/support.js';
import type { ValidationIssue } from '../validation/types.js';
import { CONSOLE_CSS } from './assets.js';
import { html, type Html } from './html.js';
import { translator, type ConsoleLanguage, type Translate } from './i18n.js';
import { page, type Section } from './layout.js';
import type { MessageKey } from './messages/en.js';
import { dashboardBody } from './pages/dashboard.js';
import { documentBody, NOTIFY_REASONS, type ShownIssue } from './pages/document.js';
import { errorBody, errorKey } from './pages/error.js';
import { failuresBody, type FailureQuery } from './pages/failures.js';
import { searchBody, SEARCH_FIELDS } from './pages/search.js';
import { signInBody } from './pages/sign-in.js';
import {
  clearCookie,
  CONSOLE_PATH,
  cookies,
  languageOf,
  newToken,
  sameOrigin,
  sameToken,
  SESSION_COOKIE,
  setCookie,
  SIGN_IN_CSRF_COOKIE,
  type ConsoleContext,
  type CookiePolicy,
} from './session.js';

export interface ConsoleDeps {
  users: ConsoleUsersService;
  support: SupportService;
  documents: DocumentsService;
  /** Business responses, where our AP sends and receives (the "notify the sender" action); null: not offered. */
  responses: ResponsesService | null;
  cookies: CookiePolicy;
  logger: Logger;
  /** Sign-in attempts per address: a token bucket (src/http/rate-limit.ts). */
  signInLimiter: { take(key: string): number };
}

// Pages are styled by our own sheet only; no script runs; forms post only here.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

interface Ctx extends ConsoleContext {
  t: Translate;
  token: string | null;
}

declare module 'express-serve-static-core' {
  interface Request {
    console?: Ctx;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const remote = (req: Request) => req.socket.remoteAddress ?? null;

function hereOf(req: Request): string {
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.delete('lang');
  return `${url.pathname}${url.search}`;
}

function send(res: Response, status: number, body: Html): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store');
  res.send(body.text);
}

/** A date of a filter (YYYY-MM-DD or a datetime-local value, read as UTC); undefined when empty, 400 when not a date. */
function dateOf(v: string | undefined, endOfDay = false): Date | undefined {
  if (!v) return undefined;
  const m = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.exec(v);
  const d = m ? new Date(`${v}${m[1] ? '' : 'T00:00'}Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new ApError('api.bad-request', `'${v}' is not a date`);
  return endOfDay && !m![1] ? new Date(d.getTime() + 86_400_000) : d;
}

export function consoleRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  /** Findings explained in the page's language, by the validation library's catalogue (through the documents service). */
  const explain = (issues: readonly ValidationIssue[], lang: ConsoleLanguage): ShownIssue[] =>
    deps.documents.explain({ valid: true, documentKind: null, ruleSet: null, issues: [...issues], elapsedMs: 0 }, lang).issues;

  router.use((req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    // Under no-referrer (the API's policy) a browser posts forms with `Origin: null`; same-origin names ours.
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  router.get('/assets/console.css', (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(CONSOLE_CSS);
  });
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  router.use(async (req, res, next) => {
    const lang = languageOf(req, res, deps.cookies);
    const token = cookies(req).get(SESSION_COOKIE) ?? null;
    const session = token ? await deps.users.session(token) : null;
    req.console = { lang, t: translator(lang), session, token: session ? token : null, here: hereOf(req) };
    if (token && !session) clearCookie(req, res, deps.cookies, SESSION_COOKIE);
    next();
  });

  const ctx = (req: Request) => req.console!;
  const render = (req: Request, res: Response, section: Section, title: MessageKey, body: Html, status = 200, params?: Record<string, string>) => {
    const c = ctx(req);
    send(res, status, page(c, c.t, { title: c.t(title, params), section, body }));
  };

  /** Signed-in pages: without a session, to the sign-in page (saying why when a cookie was there). */
  const signedIn = (req: Request, res: Response, next: NextFunction) => {
    if (ctx(req).session) return next();
    const had = cookies(req).has(SESSION_COOKIE);
    const params = new URLSearchParams({ next: req.method === 'GET' ? req.originalUrl : `${CONSOLE_PATH}/failures` });
    if (had) params.set('expired', '1');
    res.redirect(303, `${CONSOLE_PATH}/sign-in?${params}`);
  };
  /** A POST of a signed-in form: same origin and its session's token. */
  const checkedPost = (req: Request, _res: Response, next: NextFunction) => {
    const s = ctx(req).session!;
    if (!sameOrigin(req) || !sameToken((req.body as Record<string, unknown> | undefined)?.['csrf'], s.csrfToken)) return next(new ConsoleCsrfError());
    next();
  };
  const session = (req: Request): ConsoleSession => ctx(req).session!;

  router.get('/', (req, res) => res.redirect(303, `${CONSOLE_PATH}/${ctx(req).session ? 'failures' : 'sign-in'}`));

  router.get('/sign-in', (req, res) => {
    if (ctx(req).session) return res.redirect(303, `${CONSOLE_PATH}/failures`);
    const csrf = newToken();
    setCookie(req, res, deps.cookies, SIGN_IN_CSRF_COOKIE, csrf, 3600);
    const notice = req.query['expired'] ? 'signIn.expired' : req.query['signedOut'] ? 'signIn.signedOut' : null;
    render(req, res, 'sign-in', 'signIn.title', signInBody(ctx(req).t, { csrf, notice, problem: null, name: '', next: safeNext(str(req.query['next'])) }));
  });

  router.post('/sign-in', async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const expected = cookies(req).get(SIGN_IN_CSRF_COOKIE);
    if (!sameOrigin(req) || !expected || !sameToken(body['csrf'], expected)) return next(new ConsoleCsrfError());
    const name = typeof body['name'] === 'string' ? body['name'].trim() : '';
    const nextPath = safeNext(str(body['next']));
    const again = (problem: MessageKey, status: number) => {
      const csrf = newToken();
      setCookie(req, res, deps.cookies, SIGN_IN_CSRF_COOKIE, csrf, 3600);
      render(req, res, 'sign-in', 'signIn.title', signInBody(ctx(req).t, { csrf, notice: null, problem, name, next: nextPath }), status);
    };
    if (deps.signInLimiter.take(remote(req) ?? 'unknown') > 0) return again('signIn.tooMany', 429);
    const signed = await deps.users.signIn(name, typeof body['password'] === 'string' ? body['password'] : '', remote(req));
    if (!signed) return again('signIn.failed', 401);
    clearCookie(req, res, deps.cookies, SIGN_IN_CSRF_COOKIE);
    setCookie(req, res, deps.cookies, SESSION_COOKIE, signed.token, null);
    res.redirect(303, nextPath);
  });

  router.post('/sign-out', signedIn, checkedPost, async (req, res) => {
    await deps.users.signOut(ctx(req).token!, session(req), remote(req));
    clearCookie(req, res, deps.cookies, SESSION_COOKIE);
    res.redirect(303, `${CONSOLE_PATH}/sign-in?signedOut=1`);
  });

  router.get('/public', async (req, res) => {
    const figures = await deps.support.publicFigures();
    render(req, res, 'public', 'public.title', dashboardBody(ctx(req).t, figures, true));
  });

  router.get('/failures', signedIn, async (req, res) => {
    const q: FailureQuery = {};
    for (const k of ['tenant', 'direction', 'sender', 'receiver', 'rule', 'status', 'from', 'to', 'handled'] as const) {
      const v = str(req.query[k]);
      if (v) q[k] = v;
    }
    const before = str(req.query['before'])?.split('|');
    const direction = q.direction === 'outbound' || q.direction === 'inbound' ? q.direction : undefined;
    const result = await deps.support.failures(session(req).principal, {
      ...(q.tenant ? { tenantId: q.tenant } : {}),
      ...(direction ? { direction } : {}),
      ...(q.sender ? { sender: q.sender } : {}),
      ...(q.receiver ? { receiver: q.receiver } : {}),
      ...(q.rule ? { ruleId: q.rule } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.from ? { from: dateOf(q.from)! } : {}),
      ...(q.to ? { to: dateOf(q.to, true)! } : {}),
      includeHandled: q.handled !== undefined,
      ...(before?.length === 2 && /^[0-9a-f-]{36}$/.test(before[1]!) ? { before: { createdAt: before[0]!, id: before[1]! } } : {}),
      limit: 50,
    });
    render(req, res, 'failures', 'failures.title', failuresBody(ctx(req).t, q, result, session(req).principal.operator));
  });

  router.get('/search', signedIn, async (req, res) => {
    const q: Record<string, string> = {};
    for (const [name] of SEARCH_FIELDS) {
      const v = str(req.query[name]);
      if (v) q[name] = v;
    }
    if (Object.keys(q).length === 0) return render(req, res, 'search', 'search.title', searchBody(ctx(req).t, q, null, null));
    if (q['enterpriseNumber'] && !/^\d{10}$/.test(q['enterpriseNumber'].replace(/[\s.]/g, ''))) {
      return render(req, res, 'search', 'search.title', searchBody(ctx(req).t, q, null, 'search.badEnterprise'), 400);
    }
    const results = await deps.support.search(session(req).principal, {
      ...(q['invoiceNumber'] ? { invoiceNumber: q['invoiceNumber'] } : {}),
      ...(q['enterpriseNumber'] ? { enterpriseNumber: q['enterpriseNumber'].replace(/[\s.]/g, '') } : {}),
      ...(q['messageId'] ? { messageId: q['messageId'] } : {}),
      ...(q['conversationId'] ? { conversationId: q['conversationId'] } : {}),
      ...(q['instanceId'] ? { instanceId: q['instanceId'] } : {}),
      ...(q['seatId'] ? { seatId: q['seatId'] } : {}),
      ...(q['from'] ? { from: dateOf(q['from'])! } : {}),
      ...(q['to'] ? { to: dateOf(q['to'])! } : {}),
      limit: 100,
    });
    await deps.users.recordAction(session(req), remote(req), 'console.search', null, session(req).user.tenantId, { keys: q, found: results.length });
    render(req, res, 'search', 'search.title', searchBody(ctx(req).t, q, results, null));
  });

  router.get('/dashboard', signedIn, async (req, res) => {
    const figures = await deps.support.dashboard(session(req).principal);
    render(req, res, 'dashboard', 'dashboard.title', dashboardBody(ctx(req).t, figures, false));
  });

  router.get('/documents/:id', signedIn, async (req, res) => {
    const s = session(req);
    const id = String(req.params['id']);
    const detail = await deps.documents.get(s.principal, id);
    if (!detail) throw new ApError('api.not-found', `Document ${id} not found`);
    const payload = await deps.documents.payload(s.principal, id);
    await deps.users.recordAction(s, remote(req), 'console.document.view', id, detail.document.tenantId);
    const lang = ctx(req).lang;
    const last = [...detail.events].reverse().find((e) => e.type === 'revalidated');
    const lastDetails = (last?.details ?? {}) as { valid?: boolean; issues?: ValidationIssue[] };
    const done = str(req.query['done']);
    const notice = done === 'revalidated' || done === 'resent' || done === 'handled' || done === 'notified' ? (`action.done.${done}` as MessageKey) : null;
    const d = detail.document;
    const canNotify = deps.responses !== null && d.direction === 'inbound' && (d.status === 'available' || d.status === 'acknowledged') && (d.documentKind === 'Invoice' || d.documentKind === 'CreditNote');
    const body = documentBody(ctx(req).t, {
      detail,
      xml: payload ? payload.toString('utf8') : null,
      issues: explain(detail.document.validationReport?.issues ?? [], lang),
      revalidation: last ? { event: last, valid: lastDetails.valid === true, issues: explain(lastDetails.issues ?? [], lang) } : null,
      csrf: s.csrfToken,
      notice,
      canNotify,
    });
    render(req, res, 'document', 'doc.title', body, 200, { name: detail.document.invoiceNumber ?? detail.document.id });
  });

  const download = (what: 'payload' | 'receipt') =>
    async (req: Request, res: Response) => {
      const s = session(req);
      const id = String(req.params['id']);
      const bytes = what === 'payload' ? await deps.documents.payload(s.principal, id) : await deps.documents.receipt(s.principal, id);
      if (!bytes) throw new ApError('api.not-found', `No ${what} for document ${id}`);
      await deps.users.recordAction(s, remote(req), `console.document.download-${what}`, id, null);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Disposition', `attachment; filename="${id}${what === 'receipt' ? '-receipt' : ''}.xml"`);
      res.type('application/xml').send(bytes);
    };
  router.get('/documents/:id/payload', signedIn, download('payload'));
  router.get('/documents/:id/receipt', signedIn, download('receipt'));

  const action = (name: 'revalidated' | 'resent' | 'handled' | 'notified', run: (s: ConsoleSession, id: string, body: Record<string, unknown>) => Promise<unknown>) =>
    async (req: Request, res: Response) => {
      const s = session(req);
      const id = String(req.params['id']);
      await run(s, id, (req.body ?? {}) as Record<string, unknown>);
      const doc = await deps.documents.get(s.principal, id);
      await deps.users.recordAction(s, remote(req), `console.document.${name}`, id, doc?.document.tenantId ?? null);
      res.redirect(303, `${CONSOLE_PATH}/documents/${id}?done=${name}#${name === 'revalidated' ? 'revalidation' : 'actions'}`);
    };
  router.post('/documents/:id/revalidate', signedIn, checkedPost, action('revalidated', (s, id) => deps.support.revalidate(s.principal, id)));
  router.post('/documents/:id/resend', signedIn, checkedPost, action('resent', (s, id) => deps.support.resend(s.principal, id)));
  router.post('/documents/:id/notify', signedIn, checkedPost, action('notified', async (s, id, body) => {
    const code = body['reason'];
    const text = typeof body['text'] === 'string' ? body['text'].trim() : '';
    if (!deps.responses) throw new ApError('api.not-found', 'Business responses are off on this access point');
    if (typeof code !== 'string' || !(NOTIFY_REASONS as readonly string[]).includes(code) || !text || text.length > 1000) throw new ApError('api.bad-request', 'A reason from the list and an explanation of 1 to 1000 characters');
    return deps.responses.rejectForBuyer(s.principal, id, { code, text });
  }));
  router.post('/documents/:id/handled', signedIn, checkedPost, action('handled', (s, id, body) => deps.support.markHandled(s.principal, id, typeof body['note'] === 'string' ? body['note'] : '')));

  router.use((req, res) => render(req, res, 'error', 'error.title', errorBody(ctx(req).t, 'error.notFound', null, ctx(req).session !== null), 404));

  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const c = req.console ?? { lang: 'en' as const, t: translator('en'), session: null, token: null, here: `${CONSOLE_PATH}/` };
    req.console = c;
    if (err instanceof ConsoleCsrfError) return render(req, res, 'error', 'error.title', errorBody(c.t, 'error.csrf', null, c.session !== null), 403);
    const known = err instanceof ApError ? err : null;
    if (!known) deps.logger.error({ err }, 'console page failed');
    const status = known ? known.httpStatus : 500;
    render(req, res, 'error', 'error.title', errorBody(c.t, errorKey(known?.kind ?? 'internal'), known && status < 500 ? known.message : null, c.session !== null), status);
  });
  return router;
}

class ConsoleCsrfError extends Error {
  constructor() {
    super('The form token or origin is not this session’s');
  }
}

/** Where to go after signing in: a console path only, never another site. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith(`${CONSOLE_PATH}/`) && !next.startsWith('//') && !next.includes('\\') && !next.startsWith(`${CONSOLE_PATH}/sign-in`) ? next : `${CONSOLE_PATH}/failures`;
}


