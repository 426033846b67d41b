/**
 * The reporting library over a generated month: items made the way the flows make them (several tenants
 * reached under 0208 and 9925 identifiers, MLS, the reports themselves, unknown countries), the expected
 * totals, subtotals and end-user counts computed here independently (by brute force over the raw
 * exchanges), and both reports valid under our engine and, where Java is present, under saxon-ref.
 */
import assert from 'node:assert/strict';
import { type Validator, createValidator } from '../../src/validation/validator.js';
import {
  EUSR_DOCUMENT_TYPE,
  MLS_DOCUMENT_TYPE,
  type CountedExchange,
  type ReportingItem,
  TSR_DOCUMENT_TYPE,
  buildEusr,
  buildTsr,
  endUserOf,
  eusrFigures,
  monthPeriod,
  reportingItemOf,
  tsrFigures,
} from '../../src/reporting/index.js';
import { SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';
import { saxonRefCheck, saxonRefMissing } from '../support/saxon-ref.js';

const INVOICE = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1';
const CREDIT_NOTE = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1';
const BILLING = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Our tenants: Belgian companies under both identifiers, a Dutch one, one whose country is unknown. */
const TENANTS = [
  { ids: ['0208:0123456749', '9925:BE0123456749'], company: 'acme', country: 'BE' as string | null },
  { ids: ['0208:0987654321', '9925:be0987654321'], company: 'bolt', country: 'BE' },
  { ids: ['0106:12345678'], company: 'dutch', country: 'NL' },
  { ids: ['0208:0555555555'], company: 'nocountry', country: null },
];
const OTHER_SEATS = ['PDE000001', 'POP000777', 'PFR000042'];

interface Raw {
  x: CountedExchange;
  company: string;
}

function month(seed: number): Raw[] {
  const r = random(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const out: Raw[] = [];
  for (let n = 0; n < 400; n++) {
    const t = pick(TENANTS);
    const direction = r() < 0.5 ? 'incoming' : 'outgoing';
    const roll = r();
    const documentType = roll < 0.1 ? MLS_DOCUMENT_TYPE : roll < 0.13 ? TSR_DOCUMENT_TYPE : roll < 0.15 ? EUSR_DOCUMENT_TYPE : roll < 0.6 ? INVOICE : CREDIT_NOTE;
    const c1 = direction === 'outgoing' ? (t.country ?? null) : pick(['DE', 'FR', 'BE', null]);
    out.push({
      company: t.company,
      x: {
        exchangedAt: new Date(Date.UTC(2026, 10, 1 + Math.floor(r() * 30), Math.floor(r() * 24))),
        direction,
        ourSeat: 'PBE000001',
        otherSeat: pick(OTHER_SEATS),
        documentType,
        process: documentType === MLS_DOCUMENT_TYPE ? 'urn:peppol:edec:mls' : BILLING,
        c1Country: c1,
        c4Country: direction === 'incoming' ? t.country : null,
        ourParticipant: pick(t.ids),
      },
    });
  }
  return out;
}

describe('reporting: TSR and EUSR over a generated month', function () {
  this.timeout(120_000);
  let v: Validator;
  const raw = month(20261103);
  const items = raw.map((r) => reportingItemOf(r.x)).filter((i): i is ReportingItem => i !== null);
  const header = { period: monthPeriod('2026-11')!, reporterSeat: 'PBE000001' };
  const built: Map<string, string> = new Map();

  before(async () => {
    v = await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR });
  });

  it('unifies a company\'s identifiers of one register into one end user (BE 0208 and 9925, DE 9930 and 0246, FI 0037 and 0216)', () => {
    assert.equal(endUserOf('9925:BE0123456749'), '0208:0123456749');
    assert.equal(endUserOf('9925:be0123456749'), endUserOf('0208:0123456749'));
    assert.equal(endUserOf('0106:12345678'), '0106:12345678');
    assert.equal(endUserOf('9930:DE123456789'), endUserOf('0246:de123456789'), 'Germany: 9930 is counted as 0246');
    assert.equal(endUserOf('0037:003712345678'), '0216:003712345678', 'Finland: 0037 is counted as 0216');
    assert.equal(endUserOf('9925:BE012345674'), '9925:be012345674'); // not a VAT number: left as it is
  });

  it('counts every exchange but the reports themselves; the MLS only in the TSR', () => {
    const reports = raw.filter((r) => r.x.documentType === TSR_DOCUMENT_TYPE || r.x.documentType === EUSR_DOCUMENT_TYPE).length;
    assert.ok(reports > 0 && raw.some((r) => r.x.documentType === MLS_DOCUMENT_TYPE));
    assert.equal(items.length, raw.length - reports);
    assert.ok(items.every((i) => i.countsInEusr === (i.documentType !== MLS_DOCUMENT_TYPE)));
    assert.ok(items.every((i) => /^[A-Z]{2}$/.test(i.c1Country)), 'C1 is ZZ when the SBDH had none');
  });

  it('gives the TSR totals and subtotals computed independently', () => {
    const f = tsrFigures(items);
    const counted = raw.filter((r) => r.x.documentType !== TSR_DOCUMENT_TYPE && r.x.documentType !== EUSR_DOCUMENT_TYPE);
    const inc = counted.filter((r) => r.x.direction === 'incoming');
    assert.deepEqual(f.total, { incoming: inc.length, outgoing: counted.length - inc.length });
    assert.deepEqual(f.perTp, [{ transportProfile: 'peppol-transport-as4-v2_0', counts: f.total }]);
    for (const seat of OTHER_SEATS)
      for (const dt of [INVOICE, CREDIT_NOTE, MLS_DOCUMENT_TYPE]) {
        const these = counted.filter((r) => r.x.otherSeat === seat && r.x.documentType === dt);
        const row = f.perSpDtPr.find((s) => s.otherSeat === seat && s.documentType === dt);
        const expected = { incoming: these.filter((r) => r.x.direction === 'incoming').length, outgoing: these.filter((r) => r.x.direction === 'outgoing').length };
        assert.deepEqual(row?.counts ?? { incoming: 0, outgoing: 0 }, expected, `${seat} ${dt}`);
        for (const c1 of ['DE', 'FR', 'BE', 'ZZ'])
          for (const c4 of ['BE', 'NL', 'ZZ']) {
            const n = inc.filter((r) => r.x.otherSeat === seat && r.x.documentType === dt && (r.x.c1Country ?? 'ZZ') === c1 && (r.x.c4Country ?? 'ZZ') === c4).length;
            const cc = f.perSpDtPrCc.find((s) => s.otherSeat === seat && s.documentType === dt && s.senderCountry === c1 && s.receiverCountry === c4);
            assert.equal(cc?.incoming ?? 0, n, `${seat} ${dt} ${c1}->${c4}`);
          }
      }
  });

  it('gives the EUSR end-user counts computed independently, by company', () => {
    const f = eusrFigures(items);
    const business = raw.filter((r) => [INVOICE, CREDIT_NOTE].includes(r.x.documentType));
    const companies = (rs: Raw[], d: 'incoming' | 'outgoing' | null) => new Set(rs.filter((r) => d === null || r.x.direction === d).map((r) => r.company)).size;
    const expect = (rs: Raw[]) => ({ sending: companies(rs, 'outgoing'), receiving: companies(rs, 'incoming'), sendingOrReceiving: companies(rs, null) });
    assert.deepEqual(f.fullSet, expect(business));
    assert.deepEqual(f.fullSet.sendingOrReceiving, 4, 'four companies, whatever identifier they were reached under');
    for (const dt of [INVOICE, CREDIT_NOTE]) assert.deepEqual(f.perDtPr.find((s) => s.documentType === dt)?.counts, expect(business.filter((r) => r.x.documentType === dt)));
    const countryOf = (r: Raw) => (r.x.direction === 'outgoing' ? r.x.c1Country : r.x.c4Country);
    for (const c of ['BE', 'NL']) {
      const here = business.filter((r) => countryOf(r) === c);
      assert.deepEqual(f.perEuc.find((s) => s.country === c)?.counts, expect(here), c);
      for (const dt of [INVOICE, CREDIT_NOTE]) {
        assert.deepEqual(f.perDtEuc.find((s) => s.country === c && s.documentType === dt)?.counts, expect(here.filter((r) => r.x.documentType === dt)));
        assert.deepEqual(f.perDtPrEuc.find((s) => s.country === c && s.documentType === dt)?.counts, expect(here.filter((r) => r.x.documentType === dt)));
      }
    }
    // An end user of unknown country is counted in the full set, not in a country subset (EUSR allows no ZZ).
    assert.deepEqual(f.perEuc.map((s) => s.country), ['BE', 'NL']);
  });

  it('builds both reports, valid under our engine, and a valid empty pair for a month without traffic', () => {
    built.set('tsr', buildTsr(header, tsrFigures(items)));
    built.set('eusr', buildEusr(header, eusrFigures(items)));
    built.set('tsr-empty', buildTsr(header, tsrFigures([])));
    built.set('eusr-empty', buildEusr(header, eusrFigures([])));
    for (const [name, xml] of built) {
      const r = v.validate(xml);
      assert.deepEqual(r.issues, [], name);
      assert.equal(r.ruleSet?.documentType, name.slice(0, name.indexOf('-') > 0 ? name.indexOf('-') : undefined));
    }
    assert.match(built.get('tsr')!, /<StartDate>2026-11-01<\/StartDate>\s*<EndDate>2026-11-30<\/EndDate>/);
    assert.match(built.get('tsr-empty')!, /<Total>\s*<Incoming>0<\/Incoming>\s*<Outgoing>0<\/Outgoing>\s*<\/Total>\s*<\/TransactionStatisticsReport>/);
  });

  it('builds reports the reference finds valid too', function () {
    const missing = saxonRefMissing();
    if (missing) {
      console.log(`    skipping the reference check: ${missing}`);
      this.skip();
    }
    const fired = saxonRefCheck(built);
    assert.equal(fired.size, 4);
    for (const [name, f] of fired) assert.deepEqual(f, [], name);
  });
});
