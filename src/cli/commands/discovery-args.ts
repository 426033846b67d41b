/**
 * Small argument helpers shared by the discovery, AS4, PKI and SBDH commands: `--name value` options,
 * `--flag` switches, positionals, ISO times, input files, key and certificate files, `--trust`.
 */
import { readFileSync } from 'node:fs';
import { readPemFile, type PemKinds, type PkiConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { buildCertificateValidator } from '../../main.js';
import type { PeppolCertificateValidator } from '../../pki/index.js';

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(args: string[], valued: string[], switches: string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (valued.includes(a)) {
      const v = args[++i];
      if (v === undefined) throw new ApError('api.bad-request', `${a} needs a value`);
      out.options.set(a, v);
    } else if (switches.includes(a)) {
      out.flags.add(a);
    } else if (a.startsWith('--')) {
      throw new ApError('api.bad-request', `Unknown option ${a}`);
    } else {
      out.positional.push(a);
    }
  }
  return out;
}

export function isoDate(text: string, option: string): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) throw new ApError('api.bad-request', `${option}: '${text}' is not an ISO date-time`);
  return d;
}

/** Runs argument parsing, turning an invalid identifier into a usage error (exit 2) with its message. */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ApError && err.kind === 'identifier.invalid') throw new ApError('api.bad-request', err.message, err.details);
    throw err;
  }
}

/** A key or certificate file an option names, read as the configuration reads its own (same error text); exit 2 when unusable. */
export function pemInput<K extends keyof PemKinds>(option: string, file: string, kind: K): PemKinds[K] {
  const r = readPemFile(option, file, kind);
  if (!r.ok) throw new ApError('api.bad-request', r.problems.join('\n'));
  return r.value;
}

/** The bytes of an input file; an unreadable file is a usage error (exit 2) naming it (`<what> <file>: cannot read (ENOENT)`). */
export function readInput(file: string, what?: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ApError('api.bad-request', `${what ? `${what} ` : ''}${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** The certificate validator of a command: the `--trust` bundle when given, else PEPPOL_TRUST_FILE. */
export function cliValidator(pki: PkiConfig, trustFile: string | undefined): PeppolCertificateValidator {
  return buildCertificateValidator(pki, trustFile === undefined ? undefined : pemInput('--trust', trustFile, 'certificate bundle'));
}
