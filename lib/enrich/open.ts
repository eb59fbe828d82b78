import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AsnDatabase } from './asn';
import { MmdbAsn } from './mmdb';
import { Pfx2As, type Pfx2AsOptions } from './pfx2as';

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);
/** The MMDB spec caps the metadata section at 128 KiB. */
const METADATA_MAX = 128 * 1024;

/**
 * Opens an AS database by content: a MaxMind DB (its metadata marker within the last
 * 128 KiB) or else a CAIDA pfx2as text file. Bad pfx2as lines are skipped and listed in
 * `errors` unless `onError: 'fail'`.
 */
export function openAsnDatabase(path: string, options: Pfx2AsOptions = {}): AsnDatabase {
  const fd = openSync(path, 'r');
  let tail: Buffer;
  try {
    const size = fstatSync(fd).size;
    tail = Buffer.alloc(Math.min(size, METADATA_MAX));
    readSync(fd, tail, 0, tail.length, size - tail.length);
  } finally {
    closeSync(fd);
  }
  return tail.includes(METADATA_MARKER) ? MmdbAsn.open(path) : Pfx2As.open(path, options);
}
