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
