/**
 * xs:decimal as a scaled BigInt (value = unscaled / 10^scale): exact sums, products and rounding of
 * amounts, never binary doubles. Division follows Saxon's rule (scale max(18, scales), ties toward zero).
 */

const POW10: bigint[] = [1n];
function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1] * 10n);
  return POW10[n];
}

export class Dec {
  constructor(
    readonly u: bigint,
    readonly s: number,
  ) {}

  static fromBigInt(v: bigint): Dec {
    return new Dec(v, 0);
  }

  /** Parses the xs:decimal lexical form (whitespace collapsed); null when invalid. */
  static parse(text: string): Dec | null {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null;
    const frac = m[3] ?? '';
    let u = BigInt((m[2] || '0') + frac);
    if (m[1] === '-') u = -u;
    return new Dec(u, frac.length);
  }

  /** Exact conversion of a finite double through its shortest decimal representation (as Saxon does). */
  static fromNumber(d: number): Dec | null {
    if (!Number.isFinite(d)) return null;
    const str = String(d);
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(str);
    if (!m) return null;
    let digits = m[2] + (m[3] ?? '');
    let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
    if (scale < 0) {
      digits += '0'.repeat(-scale);
      scale = 0;
    }
    const u = BigInt(digits);
    return new Dec(m[1] === '-' ? -u : u, scale);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  isZero(): boolean {
    return this.u === 0n;
  }

  sign(): number {
    return this.u === 0n ? 0 : this.u < 0n ? -1 : 1;
  }

  static align(a: Dec, b: Dec): [bigint, bigint, number] {
    if (a.s === b.s) return [a.u, b.u, a.s];
    if (a.s > b.s) return [a.u, b.u * pow10(a.s - b.s), a.s];
    return [a.u * pow10(b.s - a.s), b.u, b.s];
  }

  add(b: Dec): Dec {
    const [x, y, s] = Dec.align(this, b);
    return new Dec(x + y, s);
  }

  sub(b: Dec): Dec {
    const [x, y, s] = Dec.align(this, b);
    return new Dec(x - y, s);
  }

  mul(b: Dec): Dec {
    return new Dec(this.u * b.u, this.s + b.s);
  }

  /** Saxon: scale = max(18, scale(a), scale(b)), RoundingMode.HALF_DOWN. Caller checks b != 0. */
  div(b: Dec): Dec {
    const scale = Math.max(18, this.s, b.s);
    // q = a/b * 10^scale = (a.u * 10^(scale - a.s + b.s)) / b.u
    const shift = scale - this.s + b.s;
    let num = this.u;
    let den = b.u;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    let q = num / den;
    const r = num % den;
    if (r !== 0n) {
      const twice = (r < 0n ? -r : r) * 2n;
      if (twice > den) q += num < 0n ? -1n : 1n; // HALF_DOWN: only strictly more than half rounds away
    }
    return new Dec(q, scale);
  }

  /** Remainder with the sign of the dividend. */
  mod(b: Dec): Dec {
    const [x, y, s] = Dec.align(this, b);
    return new Dec(x % y, s);
  }

  /** Truncating integer division. */
  idiv(b: Dec): bigint {
    const [x, y] = Dec.align(this, b);
    return x / y;
  }

  neg(): Dec {
    return new Dec(-this.u, this.s);
  }

  abs(): Dec {
    return this.u < 0n ? new Dec(-this.u, this.s) : this;
  }

  cmp(b: Dec): number {
    const [x, y] = Dec.align(this, b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /** fn:round: half toward positive infinity, to `digits` decimals. */
  round(digits = 0): Dec {
    if (this.s <= digits) return this;
    const f = pow10(this.s - digits);
    let q = this.u / f;
    const r = this.u % f;
    if (r !== 0n) {
      if (this.u > 0n) {
        if (r * 2n >= f) q += 1n;
      } else if (-r * 2n > f) q -= 1n;
    }
    return new Dec(q, digits);
  }

  /** fn:round-half-to-even. */
  roundHalfEven(digits = 0): Dec {
    if (this.s <= digits) return this;
    const f = pow10(this.s - digits);
    let q = this.u / f;
    const r = this.u % f;
    const ar = r < 0n ? -r : r;
    if (ar * 2n > f || (ar * 2n === f && q % 2n !== 0n)) q += this.u < 0n ? -1n : 1n;
    return new Dec(q, digits);
  }

  floor(): Dec {
    if (this.s === 0) return this;
    const f = pow10(this.s);
    let q = this.u / f;
    if (this.u < 0n && this.u % f !== 0n) q -= 1n;
    return new Dec(q, 0);
  }

  ceiling(): Dec {
    if (this.s === 0) return this;
    const f = pow10(this.s);
    let q = this.u / f;
    if (this.u > 0n && this.u % f !== 0n) q += 1n;
    return new Dec(q, 0);
  }

  /** Integer part (truncation), for casts to xs:integer. */
  trunc(): bigint {
    return this.s === 0 ? this.u : this.u / pow10(this.s);
  }

  /** Canonical xs:decimal lexical form: no trailing zeros, no exponent. */
  toString(): string {
    let u = this.u;
    let s = this.s;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s--;
    }
    const neg = u < 0n;
    let digits = (neg ? -u : u).toString();
    if (s > 0) {
      if (digits.length <= s) digits = '0'.repeat(s - digits.length + 1) + digits;
      digits = digits.slice(0, digits.length - s) + '.' + digits.slice(digits.length - s);
    }
    return (neg ? '-' : '') + digits;
  }
}
