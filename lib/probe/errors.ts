/** Raised before any probe is sent when raw sockets cannot be opened for lack of privilege. */
export class PrivilegeError extends Error {
  constructor(cause?: unknown) {
    super(
      'hopscope needs raw sockets to probe: run as root, or grant the capability to node with\n' +
        `  sudo setcap cap_net_raw+ep ${process.execPath}`,
    );
    this.name = 'PrivilegeError';
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** A bad argument: names the argument and what is allowed. */
export class ArgumentError extends RangeError {
  constructor(
    readonly argument: string,
    allowed: string,
    got: unknown,
  ) {
    super(`${argument} must be ${allowed}, got ${JSON.stringify(got)}`);
    this.name = 'ArgumentError';
  }
}

export function checkInt(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(argument, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function checkNumber(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ArgumentError(argument, `a number from ${min} to ${max}`, value);
  }
  return value;
}

export function checkOneOf<T extends string>(argument: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ArgumentError(argument, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}
