// A fixed-rate client for latency: sends requests at a steady rate over a few
// keep-alive connections and reports percentiles with microsecond resolution
// (autocannon reports whole milliseconds). Latency is counted from the moment
// each request was due, so a stalled server cannot hide its queueing.
// Usage: node latency-client.mjs <url> <requests per second> <seconds> <connections>
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const [url, rateText, secondsText, connectionsText] = process.argv.slice(2);
const rate = Number(rateText);
const total = rate * Number(secondsText);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connectionsText), rejectUnauthorized: false });
const latencies = [];
let errors = 0;
let done = 0;
const start = performance.now();

function send(due) {
  request(url, { agent }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 200) latencies.push(performance.now() - due);
      else errors++;
      finish();
    });
  }).on('error', () => { errors++; finish(); }).end();
}

function finish() {
  if (++done < total) return;
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  process.stdout.write(JSON.stringify({ count: latencies.length, errors, p50: at(0.5), p99: at(0.99) }));
  agent.destroy();
}

let sent = 0;
(function tick() {
  const now = performance.now();
  while (sent < total && start + (sent * 1000) / rate <= now) send(start + (sent++ * 1000) / rate);
  if (sent < total) setTimeout(tick, 1);
})();
