// The bench's report: raw samples, medians, and each figure against its target
// (bench/README.md), with an exit code that says whether every target was met.
export type Samples = Record<string, number[]>;

/**
 * The least share of wall-clock time each core must run the probe for the
 * timings to judge a target: below it, they measure the host's other tenants.
 */
const MIN_RUNNING_SHARE = 0.9;

type Verdict = 'met' | 'MISSED' | 'not judged' | 'reported';

interface Target { readonly text: string; readonly ok: (value: number) => boolean; readonly timing: boolean }

const atLeast = (limit: number, timing = true): Target => ({ text: `>= ${limit.toFixed(2)}`, ok: (r) => r >= limit, timing });
const atMost = (limit: number, timing = true): Target => ({ text: `<= ${limit.toFixed(2)}`, ok: (r) => r <= limit, timing });

function median(values: readonly number[] = []): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] ?? NaN : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Prints the report; returns 0 when every target is met, 1 when one is missed, 2 when timings could not judge. */
export function report(samples: Samples, counted: boolean): number {
  console.log('\nraw samples:');
  for (const [name, values] of Object.entries(samples)) {
    console.log(`  ${name.padEnd(56)} ${values.map((v) => v.toFixed(v < 10 ? 3 : 1)).join('  ')}`);
  }
  const m = (name: string): number => median(samples[name]);
  const ratio = (a: string, b: string): number => m(a) / m(b);
  const leastRunning = Math.min(...(samples['core 0 running share'] ?? []), ...(samples['core 1 running share'] ?? []));
  const timingsJudge = leastRunning >= MIN_RUNNING_SHARE;
  const rows: [figure: string, value: number, target: string, verdict: Verdict][] = [];
  const row = (figure: string, value: number, target?: Target): void => {
    const verdict: Verdict = target === undefined ? 'reported'
      : target.timing && !timingsJudge ? 'not judged' : target.ok(value) ? 'met' : 'MISSED';
    rows.push([figure, value, target?.text ?? '', verdict]);
  };

  row('keep-alive throughput', m('modfallback keep-alive req/s / baseline, paired'), atLeast(0.85));
  row('keep-alive throughput of the Worker in local workerd / modfallback', m('edge keep-alive req/s, the Worker beside / modfallback, paired'));
  if (counted) {
    row('instructions per keep-alive request, main thread', ratio('modfallback keep-alive instructions/req, main thread', 'baseline keep-alive instructions/req, main thread'), atMost(1.2, false));
    row('instructions per keep-alive request, all threads', ratio('modfallback keep-alive instructions/req, all threads', 'baseline keep-alive instructions/req, all threads'));
    row('instructions per new connection, main thread', ratio('modfallback new-connection instructions/req, main thread', 'baseline new-connection instructions/req, main thread'));
  }
  row('new-connection throughput', m('modfallback new-connection req/s / baseline, paired'), atLeast(0.85));
  row('cold start', ratio('modfallback cold start ms', 'baseline cold start ms'), atMost(1.3));
  if (counted) {
    row('  instructions to the first answer, all threads', ratio('modfallback instructions to the first answer, millions', 'baseline instructions to the first answer, millions'));
  }
  row('idle memory', ratio('modfallback idle RSS MiB', 'baseline idle RSS MiB'), atMost(1.2, false));
  row('40-element / 1-element path', m('modfallback 40-element req/s / modfallback 1-element, paired'), atLeast(0.85));
  row('  the baseline\'s own, sending the same bytes', m('baseline 40-element req/s / baseline 1-element, paired'));

  console.log('\nmedians:');
  for (const name of Object.keys(samples)) console.log(`  ${name.padEnd(56)} ${m(name).toFixed(3)}`);
  console.log('\nratios (modfallback / baseline; throughput: the median of paired slices):');
  for (const [figure, value, target, verdict] of rows) {
    console.log(`  ${figure.padEnd(50)} ${value.toFixed(3).padStart(7)}  ${target === '' ? '' : `target ${target.padEnd(8)} `}${verdict}`);
  }
  if (!timingsJudge) {
    console.log(`\nThe cores ran the probe ${(100 * leastRunning).toFixed(0)}% of the wall-clock time at worst (at least ` +
      `${(100 * MIN_RUNNING_SHARE).toFixed(0)}% is needed): the host took them away, so the timings above measure it ` +
      'more than the servers, and judge no target. The instruction counts are not affected.');
  }
  return rows.some((r) => r[3] === 'MISSED') ? 1 : rows.some((r) => r[3] === 'not judged') ? 2 : 0;
}
