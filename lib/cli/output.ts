import type { MeasurementRun } from '../probe';

/**
 * Prints a measurement: with `json`, one record per line as it arrives and then the result
 * without its records; otherwise the text form. Ctrl-C aborts the run and keeps what it has.
 */
export async function printRun<T extends { records: unknown[] }>(
  run: MeasurementRun<T>,
  json: boolean,
  out: NodeJS.WritableStream,
  text: (result: T) => string,
): Promise<T> {
  const stop = () => run.abort();
  process.once('SIGINT', stop);
  try {
    if (json) for await (const r of run) out.write(JSON.stringify(r) + '\n');
    const result = await run.result;
    if (json) {
      const { records, ...summary } = result;
      void records;
      out.write(JSON.stringify(summary) + '\n');
    } else out.write(text(result) + '\n');
    return result;
  } finally {
    process.removeListener('SIGINT', stop);
  }
}
