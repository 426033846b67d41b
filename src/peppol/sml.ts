/**
 * SML lookup by NAPTR (peppol-reference §6.1): participant hash → DNS name → `U` / `Meta:SMP` NAPTR record
 * → regexp → SMP base URL (which may carry a path).
 */
import { createHash } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { ApError } from '../errors.js';
import type { ParticipantIdentifier } from './identifiers.js';

export const SML_ZONE_PRODUCTION = 'participant.sml.prod.tech.peppol.org';
export const SML_ZONE_TEST = 'participant.sml.test.tech.peppol.org';

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, without `=` padding. */
export function base32NoPad(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1; // keep only the bits not yet written, so the shift never overflows
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** The DNS label of a participant: lowercase(base32(sha256(lowercase(value)))) without padding. */
export function participantHashLabel(value: string): string {
  return base32NoPad(createHash('sha256').update(value.toLowerCase(), 'utf8').digest());
}

/** `<hash>.<scheme>.<zone>`, all lower case. */
export function smlDnsName(participant: ParticipantIdentifier, zone: string): string {
  return `${participantHashLabel(participant.value)}.${participant.scheme.toLowerCase()}.${zone.toLowerCase().replace(/\.$/, '')}`;
}

export interface NaptrRecord {
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
}

/**
 * Applies a NAPTR substitution expression (RFC 3402 §3.2: `<delim>ere<delim>replacement<delim>flags`,
 * backreferences `\1`..`\9`) to the application unique string. Returns null when it does not parse or match.
 */
export function applyNaptrRegexp(expression: string, input: string): string | null {
  if (expression.length < 3) return null;
  const delim = expression[0]!;
  if (/[0-9\\i]/.test(delim)) return null;
  const parts: string[] = [];
  let current = '';
  for (let i = 1; i < expression.length; i++) {
    const c = expression[i]!;
    if (c === '\\' && expression[i + 1] === delim) {
      current += delim;
      i++;
    } else if (c === delim) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  if (parts.length !== 3) return null;
  const [pattern, replacement, flags] = parts as [string, string, string];
  if (flags !== '' && flags !== 'i') return null;
  let re: RegExp;
  try {
    re = new RegExp(pattern, flags);
  } catch {
    return null;
  }
  const m = re.exec(input);
  if (!m) return null;
  // RFC 3402: the result is the replacement with backreferences filled in; the input is not spliced.
  return replacement.replace(/\\([0-9\\])/g, (_all, d: string) => (d === '\\' ? '\\' : (m[Number(d)] ?? '')));
}

export interface SmlLocatorOptions {
  /** DNS zone, e.g. participant.sml.prod.tech.peppol.org. */
  zone: string;
  /** Resolver addresses (`ip` or `ip:port`); empty or absent means the system resolvers. */
  dnsServers?: string[];
  /** Timeout of one DNS try, in milliseconds. */
  timeoutMs?: number;
  tries?: number;
  /** Refuse SMP URLs that are not HTTPS (SMPs are HTTPS-only since Feb 2026); tests on loopback turn it off. */
  requireHttps?: boolean;
}

export interface SmlResolution {
  dnsName: string;
  /** All NAPTR records found, sorted by order then preference. */
  records: NaptrRecord[];
  /** The record used. */
  record: NaptrRecord;
  /** SMP base URL without trailing slash; may carry a path. */
  smpUrl: string;
}

const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/** Finds the SMP of a participant through the SML's NAPTR records. */
export class SmlLocator {
  private readonly resolver: Resolver;
  private readonly zone: string;
  private readonly requireHttps: boolean;

  constructor(options: SmlLocatorOptions) {
    this.zone = options.zone;
    this.requireHttps = options.requireHttps ?? true;
    this.resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: options.tries ?? 2 });
    if (options.dnsServers && options.dnsServers.length > 0) this.resolver.setServers(options.dnsServers);
  }

  async locate(participant: ParticipantIdentifier): Promise<SmlResolution> {
    const dnsName = smlDnsName(participant, this.zone);
    let answers: NaptrRecord[];
    try {
      answers = await this.resolver.resolveNaptr(dnsName);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (NOT_FOUND_CODES.has(code)) {
        throw new ApError('sml.not-registered', `Participant ${participant.value} is not registered in the SML (${dnsName}: ${code})`, {
          participant: participant.value,
          dnsName,
          dnsCode: code,
        });
      }
      throw new ApError('sml.dns-failure', `DNS lookup of ${dnsName} failed: ${code || (err as Error).message}`, {
        dnsName,
        dnsCode: code,
      }, { cause: err });
    }
    const records = [...answers].sort((a, b) => a.order - b.order || a.preference - b.preference);
    const rejected: string[] = [];
    for (const record of records) {
      if (record.flags.toUpperCase() !== 'U' || record.service.toLowerCase() !== 'meta:smp') continue;
      const url = applyNaptrRegexp(record.regexp, dnsName);
      if (url === null) {
        rejected.push(`regexp '${record.regexp}' does not apply`);
        continue;
      }
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        rejected.push(`'${url}' is not a URL`);
        continue;
      }
      if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && !this.requireHttps)) {
        rejected.push(`'${url}' is not an HTTPS URL`);
        continue;
      }
      return { dnsName, records, record, smpUrl: url.replace(/\/+$/, '') };
    }
    throw new ApError('sml.no-smp-record', `${dnsName} has ${records.length} NAPTR record(s) but no usable U/Meta:SMP record${rejected.length ? ` (${rejected.join('; ')})` : ''}`, {
      dnsName,
      records,
    });
  }
}
