import { Resolver } from 'node:dns/promises';

/**
 * Reverse DNS with a short timeout and a cache. Lookups start as soon as an address is
 * seen; printing waits for one at most `waitMs`, and probing never waits at all.
 */
export class NameCache {
  private readonly resolver = new Resolver({ timeout: 800, tries: 1 });
  private readonly names = new Map<string, Promise<string | null>>();

  constructor(private readonly waitMs = 300) {}

  lookup(addr: string): Promise<string | null> {
    let p = this.names.get(addr);
    if (!p) {
      p = this.resolver.reverse(addr).then(
        (names) => names[0] ?? null,
        () => null,
      );
      this.names.set(addr, p);
    }
    return p;
  }

  /** The name if it arrives within the wait, else null. */
  async nameOf(addr: string): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), this.waitMs)));
    try {
      return await Promise.race([this.lookup(addr), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.resolver.cancel();
  }
}
