import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnrichInputError, MmdbAsn, MmdbFormatError, MmdbReader, openAsnDatabase, Pfx2As, PrefixTrie } from '../../lib/enrich';
import { asPath, hopAsFromAddresses } from '../../lib/analysis';
import { writeMmdb } from './mmdb-writer';

const FIXTURE = join(__dirname, '../fixtures/enrich/lab.pfx2as');

describe('prefix trie', () => {
  test('longest prefix wins, per family, with the matching prefix', () => {
    const t = new PrefixTrie<string>();
    t.insert('10.0.0.0', 8, 'a');
    t.insert('10.1.0.0', 16, 'b');
    t.insert('2001:db8::', 32, 'c');
    t.insert('0.0.0.0', 0, 'default');
    assert.deepEqual(t.lookup('10.1.2.3'), { value: 'b', length: 16, prefix: '10.1.0.0/16' });
    assert.deepEqual(t.lookup('10.2.2.3'), { value: 'a', length: 8, prefix: '10.0.0.0/8' });
    assert.deepEqual(t.lookup('11.0.0.1'), { value: 'default', length: 0, prefix: '0.0.0.0/0' });
    assert.deepEqual(t.lookup('2001:db8:5::2'), { value: 'c', length: 32, prefix: '2001:db8::/32' });
    assert.equal(t.lookup('2001:db9::1'), null, 'an IPv4 default does not cover IPv6');
    assert.equal(t.lookup('not an address'), null);
    assert.throws(() => t.insert('10.0.0.0', 33, 'x'), /prefix length must be an integer from 0 to 32, got 33/);
  });
});

describe('CAIDA pfx2as', () => {
  test('reads the fixture: single, multi-origin and AS-set origins, IPv6, bad lines reported with their line numbers', () => {
    const db = Pfx2As.open(FIXTURE);
    assert.equal(db.size, 8);
    assert.deepEqual(db.lookup('198.18.1.2'), { asn: 64496, origins: [64496], name: null, prefix: '198.18.1.0/24' });
    assert.deepEqual(db.lookup('198.18.3.2')!.origins, [64500, 64501]);
    assert.deepEqual(db.lookup('198.19.1.9'), { asn: 64510, origins: [64510, 64509], name: null, prefix: '198.19.1.0/24' });
    assert.equal(db.lookup('198.19.7.1')!.asn, 64511);
    assert.equal(db.lookup('198.18.4.2'), null, 'unannounced');
    assert.equal(db.lookup('2001:db8:1::2')!.asn, 64496);
    assert.deepEqual(db.lookup('2001:db8:5::2'), { asn: 64499, origins: [64499], name: null, prefix: '2001:db8::/32' });
    assert.deepEqual(
      db.errors.map((e) => [e.line, e.reason]),
      [
        [11, 'prefix length must be an integer from 0 to 32, got "33"'],
        [12, 'expected 3 fields (prefix, length, origin), got 6'],
      ],
    );
  });

  test("onError 'fail' throws at the first bad line", () => {
    assert.throws(() => Pfx2As.open(FIXTURE, { onError: 'fail' }), (e: unknown) => e instanceof EnrichInputError && /lab\.pfx2as: 1 bad line; first at line 11/.test(e.message));
    assert.throws(() => Pfx2As.parse('1.0.0.0\t24\tAS13335\n', 'x', { onError: 'fail' }), /x: 1 bad line; first at line 1: origin must be AS numbers/);
  });
});

const hasMmdblookup = spawnSync('mmdblookup', ['--version']).status === 0;
const NO_MMDBLOOKUP = hasMmdblookup ? false : 'mmdblookup is missing (Debian mmdb-bin; scripts/setup.sh installs it)';

describe('MaxMind DB', () => {
  const entries = [
    { prefix: '198.18.1.0', length: 24, data: { autonomous_system_number: 64496, autonomous_system_organization: 'Lab Transit One' } },
    { prefix: '198.18.0.0', length: 15, data: { autonomous_system_number: 64511, autonomous_system_organization: 'Lab Aggregate' } },
    { prefix: '198.18.3.128', length: 25, data: { autonomous_system_number: 4200000001, autonomous_system_organization: 'Lab 4-byte ASN, a name longer than twenty-nine bytes' } },
    { prefix: '2001:db8:1::', length: 48, data: { autonomous_system_number: 64497, autonomous_system_organization: 'Lab v6' } },
  ];

  for (const recordSize of [24, 28, 32] as const) {
    test(`a ${recordSize}-bit database: the writer's output is what libmaxminddb reads, and the reader reads the same`, { skip: recordSize !== 24 && NO_MMDBLOOKUP ? NO_MMDBLOOKUP : false }, () => {
      const dir = mkdtempSync(join(tmpdir(), 'hopscope-mmdb-'));
      try {
        const file = join(dir, 'asn.mmdb');
        writeFileSync(file, writeMmdb(entries, { recordSize }));
        if (hasMmdblookup) {
          const look = (ip: string, ...path: string[]) => spawnSync('mmdblookup', ['--file', file, '--ip', ip, ...path], { encoding: 'utf8' });
          assert.match(look('198.18.1.7', 'autonomous_system_number').stdout, /^\s*64496 <uint32>/);
          assert.match(look('198.18.3.200', 'autonomous_system_organization').stdout, /"Lab 4-byte ASN, a name longer than twenty-nine bytes" <utf8_string>/);
          assert.match(look('198.18.3.1', 'autonomous_system_number').stdout, /64511 <uint32>/);
          assert.match(look('198.20.0.1').stderr + look('198.20.0.1').stdout, /Could not find an entry/);
          assert.match(spawnSync('mmdblookup', ['--file', file, '--verbose', '--ip', '2001:db8:1::9'], { encoding: 'utf8' }).stdout, /Record size: \d+|record_size|64497/);
        }
        const db = openAsnDatabase(file);
        assert.ok(db instanceof MmdbAsn);
        assert.deepEqual(db.lookup('198.18.1.7'), { asn: 64496, origins: [64496], name: 'Lab Transit One', prefix: '198.18.1.0/24' });
        assert.deepEqual(db.lookup('198.18.3.1'), { asn: 64511, origins: [64511], name: 'Lab Aggregate', prefix: '198.18.3.0/25' }, 'the /15 around the /25: the tree node where the search ended');
        assert.equal(db.lookup('198.18.3.200')!.asn, 4200000001);
        assert.equal(db.lookup('198.20.0.1'), null);
        assert.equal(db.lookup('2001:db8:1::9')!.name, 'Lab v6');
        assert.equal(db.lookup('2001:db8:2::9'), null);
        const reader = MmdbReader.open(file);
        assert.equal(reader.metadata.recordSize, recordSize);
        assert.equal(reader.metadata.ipVersion, 6);
        assert.equal(reader.metadata.databaseType, 'GeoLite2-ASN');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('an IPv4-only database, and files that are not MaxMind DBs', () => {
    const v4 = new MmdbReader(writeMmdb(entries.slice(0, 2), { ipVersion: 4 }));
    assert.equal((v4.lookup('198.18.1.1')!.value as { autonomous_system_number: number }).autonomous_system_number, 64496);
    assert.equal(v4.lookup('2001:db8:1::1'), null);
    assert.throws(() => new MmdbReader(Buffer.from('just text')), (e: unknown) => e instanceof MmdbFormatError && /no metadata marker/.test((e as Error).message));
    const good = writeMmdb(entries);
    const truncated = Buffer.concat([good.subarray(0, 10), good.subarray(good.lastIndexOf(Buffer.from('MaxMind.com')) - 3)]);
    assert.throws(() => new MmdbReader(truncated), /search tree is larger than the file/);
  });

  test('openAsnDatabase reads pfx2as text by content', () => {
    assert.ok(openAsnDatabase(FIXTURE) instanceof Pfx2As);
    assert.equal(readFileSync(FIXTURE, 'utf8').includes('MaxMind.com'), false);
  });
});

describe('AS path', () => {
  const hop = (ttl: number, asn: number | null) => ({ ttl, addr: `198.18.${ttl}.2`, asn });
  test('segments and borders; unknown hops bridged inside an AS, uncertain between two', () => {
    const p = asPath([hop(1, 64496), hop(2, null), hop(3, 64496), hop(4, 64500), hop(5, null), hop(6, 64502), hop(7, null)]);
    assert.deepEqual(p.segments, [
      { asn: 64496, firstTtl: 1, lastTtl: 3, bridged: [2] },
      { asn: 64500, firstTtl: 4, lastTtl: 4, bridged: [] },
      { asn: 64502, firstTtl: 6, lastTtl: 6, bridged: [] },
    ]);
    assert.deepEqual(p.borders, [
      { ttl: 4, from: 64496, to: 64500, unknownBetween: [], uncertain: false },
      { ttl: 6, from: 64500, to: 64502, unknownBetween: [5], uncertain: true },
    ]);
    assert.deepEqual(p.unplaced, [7]);
  });

  test('no AS known at all, and input out of order', () => {
    assert.deepEqual(asPath([hop(2, null), hop(1, null)]), { segments: [], borders: [], unplaced: [1, 2] });
    assert.deepEqual(asPath([hop(2, 64497), hop(1, 64496)]).borders.map((b) => b.ttl), [2]);
  });

  test('one AS per TTL: the AS most answering addresses belong to', () => {
    const asOf: Record<string, number> = { a: 1, b: 2, c: 2 };
    const hops = hopAsFromAddresses(new Map([[1, ['a', 'b', 'c', null]], [2, [null]], [3, ['x']]]), (x) => asOf[x] ?? null);
    assert.deepEqual(hops, [{ ttl: 1, addr: 'a', asn: 2 }, { ttl: 2, addr: null, asn: null }, { ttl: 3, addr: 'x', asn: null }]);
  });
});
