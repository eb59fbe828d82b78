import { Resolver } from 'node:dns/promises';

/**
 * Reverse DNS with a short timeout and a cache. Lookups start as soon as an address is
 * seen; printing waits for a name until at most `waitMs` after its lookup began (so a
 * silent DNS server costs the output about `waitMs` once, not once per hop), and probing
 * never waits at all.
 */
export class NameCache {
  private readonly resolver: Resolver;
  private readonly names = new Map<string, { name: Promise<string | null>; deadline: number }>();

  /**
   * @param waitMs how long printing waits for a name after its lookup began
   * @param servers DNS servers to ask instead of the system's (`addr` or `addr:port`)
   */
  constructor(
    private readonly waitMs = 300,
    servers?: string[],
  ) {
    this.resolver = new Resolver({ timeout: 800, tries: 1 });
    if (servers) this.resolver.setServers(servers);
  }

  private reverse(addr: string): Promise<string[]> {
    return this.resolver.reverse(addr);
  }

  private entry(addr: string): { name: Promise<string | null>; deadline: number } {
    let e = this.names.get(addr);
    if (!e) {
      let name: Promise<string | null>;
      try {
        name = this.reverse(addr).then(
          (names) => names[0] ?? null,
          () => null,
        );
      } catch {
        name = Promise.resolve(null);
      }
      e = { name, deadline: performance.now() + this.waitMs };
      this.names.set(addr, e);
    }
    return e;
  }

  lookup(addr: string): Promise<string | null> {
    return this.entry(addr).name;
  }

  /** The name if it arrives before the address's deadline, else null. */
  async nameOf(addr: string): Promise<string | null> {
    const e = this.entry(addr);
    const left = e.deadline - performance.now();
    if (left <= 0) return Promise.race([e.name, Promise.resolve(null)]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), left)));
    try {
      return await Promise.race([e.name, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.resolver.cancel();
  }
}
