// How much of the wall-clock time a core actually runs this process: spins for
// a while reading the clock, and counts every pause longer than a millisecond
// as time the core was taken away. On a shared virtual machine the host can
// stop a virtual CPU for hundreds of milliseconds at a time without the guest
// seeing it as steal time, and the guest then charges that time as CPU time
// to whatever was running: throughput and CPU time per request are both
// wrong by whatever share this finds missing.
// Usage: node cpu-availability.mjs <seconds>; prints JSON.
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const seconds = Number(process.argv[2] ?? 2);
const start = performance.now();
let last = start;
let lostMs = 0;
let longestMs = 0;
while (last - start < seconds * 1000) {
  const now = performance.now();
  const pause = now - last;
  if (pause > 1) {
    lostMs += pause;
    longestMs = Math.max(longestMs, pause);
  }
  last = now;
}
process.stdout.write(JSON.stringify({ running: 1 - lostMs / (last - start), longestPauseMs: longestMs }));
