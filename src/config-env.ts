/**
 * Reading environment variables for the configuration modules (config.ts, config-as4.ts,
 * config-discovery.ts, config-outbound.ts): each bad value adds one line to `problems`, and check()
 * reports them all at once, so an operator fixes every mistake in one go.
 */
import { ApError } from './errors.js';

export type Env = Record<string, string | undefined>;

const MIN_TOKEN_LENGTH = 16;

export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** The trimmed value; undefined when unset or blank. */
  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  problem(line: string): void {
    this.problems.push(line);
  }

  int(name: string, def: number, min: number, max: number): number {
    return this.number(name, def, min, max, false);
  }

  /** A non-negative number, decimals allowed (e.g. a backoff multiplier). */
  decimal(name: string, def: number, min: number, max: number): number {
    return this.number(name, def, min, max, true);
  }

  private number(name: string, def: number, min: number, max: number, decimals: boolean): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    const ok = decimals ? /^\d+(\.\d+)?$/.test(v) : /^\d+$/.test(v);
    if (!ok || Number(v) < min || Number(v) > max) {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected a ${decimals ? 'number' : 'whole number'} from ${min} to ${max}`);
      return def;
    }
    return Number(v);
  }

  bool(name: string, def: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (v !== 'true' && v !== 'false') {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected true or false`);
      return def;
    }
    return v === 'true';
  }

  oneOf<T extends string>(name: string, def: T, allowed: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected one of ${allowed.join(', ')}`);
      return def;
    }
    return v as T;
  }

  /** An http(s) URL without trailing slashes; undefined when unset. */
  url(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!/^https?:\/\/[^\s]+$/.test(v)) this.problems.push(`${name}=${JSON.stringify(v)}: expected an http(s) URL`);
    return v.replace(/\/+$/, '');
  }

  /**
   * A bearer token (undefined when unset). A short one is refused: it is guessed in few tries, and the
   * problem line names only its length, never the secret.
   */
  token(name: string): string | undefined {
    const v = this.raw(name);
    if (v !== undefined && v.length < MIN_TOKEN_LENGTH) {
      this.problems.push(`${name} is ${v.length} character${v.length === 1 ? '' : 's'} long; a bearer token needs at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`);
    }
    return v;
  }

  /** A comma-separated list (blank items dropped); undefined when unset. */
  list(name: string): string[] | undefined {
    const v = this.raw(name);
    return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** Throws ApError('config.invalid') listing every problem, if there is any. */
  check(): void {
    if (this.problems.length > 0) {
      throw new ApError('config.invalid', `Invalid configuration:\n  ${this.problems.join('\n  ')}`, { problems: this.problems });
    }
  }
}
