/**
 * A small authoritative DNS server for one zone, serving NAPTR records from memory. It stands in for the
 * SML's DNS in tests, benchmarks and local development: the real SML cannot be written from here.
 * Packet encoding and decoding is dns-packet's; this file only decides the answers.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import type { ParticipantIdentifier } from '../peppol/identifiers.js';
import { smpNaptrRecord, type SmlRegistrar } from '../peppol/sml-registrar.js';
import { smlDnsName, type NaptrRecord } from '../peppol/sml.js';

const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;
const RCODE_FORMERR = 1;
const TTL_SECONDS = 60;

/** In-memory records of one zone, keyed by lower-case owner name. */
export class DnsZone {
  private readonly naptr = new Map<string, NaptrRecord[]>();

  constructor(readonly origin: string) {
    this.origin = origin.toLowerCase().replace(/\.$/, '');
  }

  setNaptr(name: string, records: NaptrRecord[]): void {
    this.naptr.set(this.key(name), records.map((r) => ({ ...r })));
  }

  delete(name: string): void {
    this.naptr.delete(this.key(name));
  }

  getNaptr(name: string): NaptrRecord[] | undefined {
    return this.naptr.get(this.key(name));
  }

  contains(name: string): boolean {
    const n = this.key(name);
    return n === this.origin || n.endsWith(`.${this.origin}`);
  }

  private key(name: string): string {
    return name.toLowerCase().replace(/\.$/, '');
  }
}

/** UDP server answering NAPTR queries authoritatively from a DnsZone. */
export class LocalDnsServer {
  private socket: dgram.Socket | null = null;
  /** Queries answered so far, for tests and benchmarks. */
  queries = 0;

  constructor(readonly zone: DnsZone) {}

  /** Listens on host:port (port 0 picks a free one) and resolves with the address. */
  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      const reply = this.answer(msg);
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    return socket.address();
  }

  /** `host:port`, the form Resolver.setServers takes. */
  get address(): string {
    if (!this.socket) throw new Error('LocalDnsServer is not listening');
    const a = this.socket.address();
    return `${a.address}:${a.port}`;
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private answer(msg: Buffer): Buffer | null {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return null; // not a DNS packet: nothing sensible to answer
    }
    if (query.type !== 'query') return null;
    this.queries++;
    const question = query.questions?.[0];
    const base = { type: 'response' as const, id: query.id, questions: query.questions ?? [] };
    if (!question || (query.questions?.length ?? 0) !== 1) {
      return dnsPacket.encode({ ...base, flags: RCODE_FORMERR });
    }
    if (!this.zone.contains(question.name)) {
      return dnsPacket.encode({ ...base, flags: RCODE_REFUSED });
    }
    const aa = dnsPacket.AUTHORITATIVE_ANSWER;
    const records = this.zone.getNaptr(question.name);
    if (!records) {
      return dnsPacket.encode({ ...base, flags: aa | RCODE_NXDOMAIN, authorities: [this.soa()] });
    }
    if (question.type !== 'NAPTR') {
      // The name exists but holds no record of this type: NOERROR with no answer (NODATA).
      return dnsPacket.encode({ ...base, flags: aa, authorities: [this.soa()] });
    }
    return dnsPacket.encode({
      ...base,
      flags: aa,
      answers: records.map((r) => ({
        type: 'NAPTR' as const,
        name: question.name,
        ttl: TTL_SECONDS,
        class: 'IN' as const,
        data: {
          order: r.order,
          preference: r.preference,
          flags: r.flags,
          services: r.service,
          regexp: r.regexp,
          replacement: r.replacement,
        },
      })),
    });
  }

  private soa(): dnsPacket.Answer {
    return {
      type: 'SOA',
      name: this.zone.origin,
      ttl: TTL_SECONDS,
      class: 'IN',
      data: {
        mname: `ns.${this.zone.origin}`,
        rname: `hostmaster.${this.zone.origin}`,
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: TTL_SECONDS,
      },
    };
  }
}

/** Writes NAPTR records into a local DnsZone whose origin is the SML zone. */
export class LocalZoneSmlRegistrar implements SmlRegistrar {
  constructor(private readonly zone: DnsZone) {}

  async register(participant: ParticipantIdentifier, smpBaseUrl: string): Promise<void> {
    this.zone.setNaptr(smlDnsName(participant, this.zone.origin), [smpNaptrRecord(smpBaseUrl)]);
  }

  async unregister(participant: ParticipantIdentifier): Promise<void> {
    this.zone.delete(smlDnsName(participant, this.zone.origin));
  }
}
