/**
 * The building blocks of the configuration tables: a variable (name, parser, default, description), a
 * group of variables that go together, and plain objects nesting them. A section is such a tree; the type
 * of its value follows from it (`Value<typeof section>`), so a variable is added by adding its entry.
 */

/** What a parser makes of one variable's text: the value, or one line per thing wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };
export type Parser<T> = (text: string, name: string) => Parsed<T>;

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = <T = never>(...problems: string[]): Parsed<T> => ({ ok: false, problems });

/** 'default': a value always; 'fallback': another variable's value when unset; 'optional': null when unset. */
export type Presence = 'default' | 'fallback' | 'optional';

export interface VariableOptions {
  /** As an operator would write it; parsed by the same parser. */
  default?: string;
  /** The variable whose value this one takes when unset. */
  fallback?: string;
  /** What it configures, for the README row. */
  description: string;
}

export class Variable<T, P extends Presence = Presence> {
  constructor(
    readonly name: string,
    readonly parse: Parser<T>,
    readonly options: VariableOptions,
    readonly presence: P,
  ) {}
}

export function variable<T>(name: string, parse: Parser<T>, options: { default: string; description: string }): Variable<T, 'default'>;
export function variable<T>(name: string, parse: Parser<T>, options: { fallback: string; description: string }): Variable<T, 'fallback'>;
export function variable<T>(name: string, parse: Parser<T>, options: { description: string }): Variable<T, 'optional'>;
export function variable<T>(name: string, parse: Parser<T>, options: VariableOptions): Variable<T> {
  return new Variable(name, parse, options, options.default !== undefined ? 'default' : options.fallback !== undefined ? 'fallback' : 'optional');
}

export type Members = { readonly [key: string]: Variable<any> };

/** Inside a group that is set, every member has a value (a fallback names a member of the group). */
export type GroupValue<M extends Members> = { readonly [K in keyof M]: M[K] extends Variable<infer T> ? T : never };

export interface GroupRule<M extends Members> {
  /** Completes "set all of them to ...". */
  purpose: string;
  /** Variables (of any section) that must be set too when this group is; with `anyOf`, one of them is enough. */
  needs?: { names: string[]; why: string; anyOf?: boolean };
  /** A check over the members once each is valid: a problem line, or null. */
  check?: (value: GroupValue<M>) => string | null;
}

/**
 * Variables that go together: the members without a default or fallback are set all or none (else one
 * problem line naming them); the group's value is null when none is set.
 */
export class Together<M extends Members> {
  constructor(
    readonly members: M,
    readonly rule: GroupRule<M>,
  ) {}
}

export const together = <M extends Members>(members: M, rule: GroupRule<M>): Together<M> => new Together(members, rule);

export type Spec = Variable<any> | Together<any> | { readonly [key: string]: Spec };

export type Value<S> =
  S extends Variable<infer T, infer P>
    ? P extends 'default'
      ? T
      : T | null
    : S extends Together<infer M>
      ? GroupValue<M> | null
      : { readonly [K in keyof S]: Value<S[K]> };
