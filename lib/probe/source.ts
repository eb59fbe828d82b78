import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import type { IpVersion } from '../record';
import { ArgumentError } from './errors';
import { bytesToIpv6, ipv6ToBytes } from '../packet';

/**
 * The source address the kernel would use towards dst: a connected UDP socket
 * learns it from the routing table without sending anything.
 */
export function routeSource(dst: string, ipVersion: IpVersion): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(ipVersion === 4 ? 'udp4' : 'udp6');
    const fail = (err: Error) => {
      sock.close();
      reject(new Error(`no route to ${dst}: ${err.message}`));
    };
    sock.once('error', fail);
    sock.connect(9, dst, () => {
      const { address } = sock.address();
      sock.close();
      // Some kernels let the connect succeed with no route and leave the socket unbound.
      if (address === '0.0.0.0' || address === '::') reject(new Error(`no route to ${dst} from this host (no source address for it)`));
      else resolve(address);
    });
  });
}

/** Addresses configured on an interface, for -i. */
export function interfaceAddress(device: string, ipVersion: IpVersion): string {
  const addrs = os.networkInterfaces()[device];
  if (!addrs) throw new ArgumentError('interface', `an interface of this host (${Object.keys(os.networkInterfaces()).join(', ')})`, device);
  const fam = ipVersion === 4 ? 'IPv4' : 'IPv6';
  const a = addrs.find((x) => x.family === fam && !(ipVersion === 6 && x.address.startsWith('fe80')));
  if (!a) throw new ArgumentError('interface', `an interface with an IPv${ipVersion} address`, device);
  return a.address;
}

export function ipVersionOf(addr: string): IpVersion | null {
  const v = net.isIP(addr);
  return v === 4 ? 4 : v === 6 ? 6 : null;
}

/** The addresses configured on this host's interfaces (in this network namespace). */
export function localAddresses(ipVersion: IpVersion): string[] {
  const fam = ipVersion === 4 ? 'IPv4' : 'IPv6';
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === fam).map((a) => a.address));
}

export function isLocalAddress(addr: string): boolean {
  const v = ipVersionOf(addr);
  if (!v) return false;
  const want = canonicalAddress(addr);
  return localAddresses(v).some((a) => canonicalAddress(a) === want);
}

const canonicalCache = new Map<string, string>();

/**
 * An address in the one text form replies are decoded to (IPv6: lower case, RFC 5952 '::'),
 * so that a target written `2001:DB8:5:0::2` matches the replies quoting it.
 */
export function canonicalAddress(addr: string): string {
  if (!addr.includes(':')) return addr;
  let c = canonicalCache.get(addr);
  if (c === undefined) {
    c = bytesToIpv6(ipv6ToBytes(addr));
    if (canonicalCache.size > 4096) canonicalCache.clear();
    canonicalCache.set(addr, c);
  }
  return c;
}
