/**
 * One pass over the environment for every variable of every section, one check that reports every bad
 * value at once (one line each), and one deeply frozen result.
 */
import { ApError } from '../errors.js';
import { Together, Variable, type Members, type Spec, type Value } from './spec.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A variable as the README lists it. */
export interface KnownVariable {
  readonly name: string;
  readonly default?: string;
  readonly fallback?: string;
  readonly description: string;
}

interface Entry {
  variable: Variable<unknown>;
  group: Together<Members> | null;
}

const and = (names: string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
const all = (n: number) => (n === 2 ? 'both' : n === 3 ? 'all three' : `all ${n}`);

/** Plain objects and arrays, recursively; key and certificate objects have no setters and are left as they are. */
function deepFreeze<T>(value: T): T {
  const proto = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (Array.isArray(value) || proto === Object.prototype || proto === null) {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export class ConfigSchema<S extends Record<string, Spec>> {
  private readonly entries: Entry[] = [];
  private readonly byName = new Map<string, Entry>();
  readonly variables: readonly KnownVariable[];

  /**
   * Checks the tables themselves (a mistake there is the program's, so it throws at start-up). `checks`
   * relate variables of different sections; each gives a problem line or null, once every value is valid.
   */
  constructor(
    private readonly spec: S,
    private readonly checks: ReadonlyArray<(config: Value<S>) => string | null> = [],
  ) {
    const collect = (node: Spec, group: Together<Members> | null): void => {
      if (node instanceof Variable) this.entries.push({ variable: node, group });
      else if (node instanceof Together) for (const m of Object.values(node.members as Members)) collect(m, node);
      else for (const n of Object.values(node)) collect(n, group);
    };
    collect(spec, null);
    for (const e of this.entries) {
      if (this.byName.has(e.variable.name)) throw new Error(`configuration: ${e.variable.name} is declared twice`);
      this.byName.set(e.variable.name, e);
    }
    for (const { variable, group } of this.entries) {
      const fallback = variable.options.fallback;
      const target = fallback === undefined ? undefined : this.byName.get(fallback);
      if (fallback !== undefined && (!target || (group && (target.group !== group || target.variable.presence !== 'optional')))) {
        throw new Error(`configuration: ${variable.name} falls back to ${fallback}, which is not ${group ? 'a required member of its group' : 'declared'}`);
      }
      for (const n of group?.rule.needs?.names ?? []) if (!this.byName.has(n)) throw new Error(`configuration: ${variable.name}'s group needs ${n}, which is not declared`);
    }
    this.variables = this.entries.map(({ variable: { name, options } }) => ({ name, ...options }));
  }

  /** Reads and checks every variable; throws ApError('config.invalid') listing every problem. */
  load(env: Env): Value<S> {
    const problems: string[] = [];
    const text = (name: string): string | undefined => env[name]?.trim() || undefined;
    const parsed = new Map<string, unknown>();
    for (const { variable: v } of this.entries) {
      const t = text(v.name) ?? v.options.default;
      if (t === undefined) continue;
      const r = v.parse(t, v.name);
      if (r.ok) parsed.set(v.name, r.value);
      else if (text(v.name) === undefined) throw new Error(`configuration: the default of ${v.name} does not parse: ${r.problems.join('; ')}`);
      else problems.push(...r.problems);
    }
    const valueOf = (v: Variable<unknown>): unknown => {
      if (parsed.has(v.name)) return parsed.get(v.name);
      const fallback = v.options.fallback;
      return fallback !== undefined && text(v.name) === undefined ? valueOf(this.byName.get(fallback)!.variable) : null;
    };
    const group = (g: Together<Members>): unknown => {
      const required = Object.values(g.members).filter((v) => v.presence === 'optional').map((v) => v.name);
      const unset = required.filter((n) => text(n) === undefined);
      if (unset.length === required.length) return null;
      if (unset.length > 0) {
        problems.push(`${and(required)} go together: set ${all(required.length)} to ${g.rule.purpose} (${and(unset)} unset)`);
        return null;
      }
      const needs = g.rule.needs;
      const missing = needs?.names.filter((n) => text(n) === undefined) ?? [];
      if (needs && (needs.anyOf ? missing.length === needs.names.length : missing.length > 0)) {
        problems.push(`${and(required)} need ${needs.anyOf ? missing.join(' or ') : and(missing)}: ${needs.why}`);
      }
      const value = Object.fromEntries(Object.entries(g.members).map(([k, v]) => [k, valueOf(v)]));
      if (Object.values(value).includes(null)) return null; // a member is invalid: reported above
      const problem = g.rule.check?.(value);
      if (problem) problems.push(problem);
      return value;
    };
    const build = (node: Spec): unknown =>
      node instanceof Variable ? valueOf(node) : node instanceof Together ? group(node) : Object.fromEntries(Object.entries(node).map(([k, n]) => [k, build(n)]));
    const config = build(this.spec);
    if (problems.length === 0) for (const c of this.checks) problems.push(...[c(config as Value<S>)].filter((p): p is string => p !== null));
    if (problems.length > 0) {
      throw new ApError('config.invalid', `Invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
    }
    return deepFreeze(config) as Value<S>;
  }
}
