/** A small, strict command-line parser: every bad value names the option and what is allowed. */
export interface OptionSpec {
  long: string;
  short?: string;
  type: 'flag' | 'string' | 'int' | 'number';
  min?: number;
  max?: number;
  choices?: readonly string[];
  help: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type ParsedArgs = { positional: string[]; values: Record<string, string | number | boolean> };

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const positional: string[] = [];
  const values: Record<string, string | number | boolean> = {};
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) {
    byName.set(`--${s.long}`, s);
    if (s.short) byName.set(`-${s.short}`, s);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const known = byName.has(arg) || (arg.startsWith('--') && byName.has(arg.split('=')[0]));
    if (!known && (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg))) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option ${name}`);
    if (spec.type === 'flag') {
      values[spec.long] = true;
      continue;
    }
    const raw = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`${name} needs a value`);
    values[spec.long] = convert(spec, name, raw);
  }
  return { positional, values };
}

function convert(spec: OptionSpec, name: string, raw: string): string | number {
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`${name} must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw;
  }
  const v = Number(raw);
  const range = `${spec.type === 'int' ? 'an integer' : 'a number'}${spec.min !== undefined ? ` from ${spec.min}` : ''}${spec.max !== undefined ? ` to ${spec.max}` : ''}`;
  if (raw.trim() === '' || !Number.isFinite(v) || (spec.type === 'int' && !Number.isInteger(v))) {
    throw new UsageError(`${name} must be ${range}, got ${JSON.stringify(raw)}`);
  }
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
    throw new UsageError(`${name} must be ${range}, got ${raw}`);
  }
  return v;
}

export function optionHelp(specs: readonly OptionSpec[]): string {
  return specs
    .map((s) => {
      const names = [s.short ? `-${s.short}` : '', `--${s.long}`].filter(Boolean).join(', ');
      const arg = s.type === 'flag' ? '' : s.choices ? ` ${s.choices.join('|')}` : ` ${s.type === 'string' ? 'VALUE' : 'N'}`;
      return `  ${(names + arg).padEnd(32)} ${s.help}`;
    })
    .join('\n');
}

/**
 * The preamble every command shares: parse, answer --help, require one TARGET.
 * Returns null when help was printed.
 */
export function parseCommand(
  name: string,
  argv: readonly string[],
  specs: readonly OptionSpec[],
  usage: string,
  out: NodeJS.WritableStream,
): { target: string; values: ParsedArgs['values'] } | null {
  const { positional, values } = parseArgs(argv, specs);
  if (values.help) {
    out.write(usage + '\n');
    return null;
  }
  if (positional.length !== 1) throw new UsageError(`${name} takes one TARGET, got ${positional.length}\n${usage}`);
  return { target: positional[0], values };
}
