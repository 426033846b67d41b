/**
 * Server-side request forgery guard for webhook targets: an address is refused when it is not a public
 * unicast one (loopback, private, carrier-grade NAT, link-local, unique local, unspecified, multicast,
 * reserved, documentation; IPv4-mapped and NAT64 IPv6 forms judged by their IPv4 address). The check runs
 * in the connection's own DNS lookup (guardedLookup), so the address connected to is the one checked: a
 * name that resolves to a public address at creation and to 127.0.0.1 at delivery (DNS rebinding) is
 * refused at delivery.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const V4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) V4.addSubnet(net, bits, 'ipv4');

const V6 = new BlockList();
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fe80::', 10], ['fc00::', 7], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64], ['::', 96],
] as const) V6.addSubnet(net, bits, 'ipv6');

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address, in
 * any of its spellings: the URL parser writes every IPv6 address in one canonical form, hex groups only.
 */
function embeddedV4(ip: string): string | null {
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const m = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return null;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Why `ip` may not be a webhook target, or null when it is a public address. */
export function forbiddenAddress(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) return V4.check(ip, 'ipv4') ? `${ip} is not a public address` : null;
  if (family !== 6) return `${ip} is not an IP address`;
  const v4 = embeddedV4(ip);
  if (v4 !== null) return forbiddenAddress(v4) && `${ip} is not a public address`;
  return V6.check(ip, 'ipv6') ? `${ip} is not a public address` : null;
}

export class TargetRefused extends Error {
  override readonly name = 'TargetRefused';
}

/**
 * A DNS lookup for http.Agent and net.connect that fails with TargetRefused when any address of the name is
 * not public (all of them: a connection may try each).
 */
export function guardedLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      const refused = addresses.map((a) => forbiddenAddress(a.address)).find((r) => r !== null);
      if (refused || addresses.length === 0) return callback(new TargetRefused(`${hostname}: ${refused ?? 'no address'}`), '', 4);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      if (options.all) return (callback as any)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Resolves `hostname` (or takes it as an IP literal) and says why it may not be a target; null when public. */
export async function refusedTarget(hostname: string): Promise<string | null> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return forbiddenAddress(host);
  return new Promise((resolve) =>
    guardedLookup()(host, { all: true }, (err) => resolve(err ? (err instanceof TargetRefused ? err.message : `${host}: ${err.message}`) : null)),
  );
}
