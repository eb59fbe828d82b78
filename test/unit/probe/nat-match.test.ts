// Replies through a NAT that rewrites the probe's source and leaves the quotes untranslated,
// captured on the lab's nat-rewrite topology (test/fixtures/packet/nat/nat-rewrite4.json:
// probes as sent by the source, 198.18.1.1, and the answers quoting them from 198.18.3.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePacket } from '../../../lib/probe/codec';
import { rewrittenKey } from '../../../lib/probe/spec';
import { internetChecksum, parseIpv4, parseTcp, parseUdp } from '../../../lib/packet';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/packet/nat/nat-rewrite4.json'), 'utf8')) as { packets: { hex: string }[] };
const packets = fixture.packets.map((p) => Uint8Array.from(Buffer.from(p.hex, 'hex')));
const isProbe = (b: Uint8Array) => parseIpv4(b).ok && (parseIpv4(b) as { value: { header: { src: string } } }).value.header.src === '198.18.1.1';
const probes = packets.filter(isProbe);
const replies = packets.filter((b) => !isProbe(b));

test('nat fixture: every ICMP error quotes its probe with the rewritten source, the rest as sent', () => {
  assert.equal(probes.length, 6);
  assert.equal(replies.length, 6);
  for (const [i, reply] of replies.entries()) {
    // The TCP RST and the echo reply from the destination quote nothing.
    if (reply[9] !== 1 || reply[20] === 0) {
      const direct = decodePacket({ ipVersion: 4, proto: reply[9] === 6 ? 'tcp' : 'icmp', bytes: reply, from: '198.18.4.2' });
      assert.ok(direct.ok);
      assert.equal(direct.reply.quotedSrc, null);
      assert.equal(direct.rewrittenKey, null);
      continue;
    }
    const probe = parseIpv4(probes[i]);
    assert.ok(probe.ok);
    const h = probe.value.header;
    const from = parseIpv4(reply);
    assert.ok(from.ok);
    const d = decodePacket({ ipVersion: 4, proto: 'icmp', bytes: reply, from: from.value.header.src });
    assert.ok(d.ok, `reply ${i} decodes`);
    assert.equal(d.reply.quotedSrc, '198.18.3.1');
    assert.equal(d.reply.quotedIpId, h.id);
    const proto = h.protocol === 17 ? 'udp' : h.protocol === 6 ? 'tcp' : 'icmp';
    const transport = probe.value.payload;
    const ports = proto === 'udp' ? parseUdp(transport) : proto === 'tcp' ? parseTcp(transport) : null;
    const sport = ports && ports.ok ? ports.value.header.sport : null;
    const dport = ports && ports.ok ? ports.value.header.dport : null;
    assert.equal(d.reply.quotedSport, sport, 'the port is not rewritten by this NAT');
    // The identity that survives the rewriting: destination, protocol, port, IP-ID.
    assert.equal(d.rewrittenKey, rewrittenKey(h.dst, proto, dport, h.id));
  }
});

test('nat fixture: the UDP answers do not carry the probe\'s exact identity (its checksum was rewritten), so only the fallback can match them', () => {
  const udp = probes.map((b, i) => [b, replies[i]] as const).filter(([b]) => b[9] === 17);
  assert.equal(udp.length, 2);
  for (const [probe, reply] of udp) {
    const sent = parseUdp(parseIpv4(probe).ok ? (parseIpv4(probe) as { value: { payload: Uint8Array } }).value.payload : new Uint8Array());
    assert.ok(sent.ok);
    const from = parseIpv4(reply);
    assert.ok(from.ok);
    const d = decodePacket({ ipVersion: 4, proto: 'icmp', bytes: reply, from: from.value.header.src });
    assert.ok(d.ok);
    assert.notEqual(d.reply.quotedChecksum, sent.value.header.checksum);
    assert.ok(!d.keys.some((k) => k.endsWith(`/${sent.value.header.checksum}`)));
  }
});

test('a quote translated back (RFC 5508) shows the probe\'s own source and still has the fallback identity: the engine\'s moved-quote check, not the key, keeps it from matching by IP-ID alone', () => {
  // Same reply with the quote's source set back to the probe's (as a translating NAT would).
  const reply = Uint8Array.from(replies[0]);
  reply.set([198, 18, 1, 1], 20 + 8 + 12);
  reply.set([0, 0], 22);
  const sum = internetChecksum(reply.subarray(20));
  reply.set([sum >> 8, sum & 0xff], 22);
  const d = decodePacket({ ipVersion: 4, proto: 'icmp', bytes: reply, from: '198.18.3.2' });
  assert.ok(d.ok);
  assert.equal(d.reply.quotedSrc, '198.18.1.1');
  assert.ok(d.rewrittenKey);
});
