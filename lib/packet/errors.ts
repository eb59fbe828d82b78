/** Why a decoder gave up. Decoders never throw; they return one of these. */
export type DecodeErrorKind = 'truncated' | 'bad-length' | 'bad-version' | 'bad-checksum' | 'unsupported' | 'bad-header';

export interface DecodeError {
  kind: DecodeErrorKind;
  /** The protocol layer that failed: 'ipv4', 'icmp', 'quote', … */
  layer: string;
  detail: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(kind: DecodeErrorKind, layer: string, detail: string): Result<T> {
  return { ok: false, error: { kind, layer, detail } };
}

/** Thrown only by emitters given impossible input (a programming error, not bad bytes). */
export class EmitError extends RangeError {
  constructor(layer: string, detail: string) {
    super(`${layer}: ${detail}`);
    this.name = 'EmitError';
  }
}

/** Throws EmitError unless v is an integer in 0..max (emitters' guard against silent wrap-around). */
export function checkField(layer: string, name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EmitError(layer, `${name} ${v} out of 0..${max}`);
  return v;
}
