// The ceiling: a bare node:https server that answers every request with the
// same bytes modfallback sends for one path, written the same way, with no
// validation and no logging.
// Usage: node baseline.mjs <port> <cert.pem> <key.pem> <answer.json>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import process from 'node:process';

const [port, cert, key, answerFile] = process.argv.slice(2);
const { headers, body } = JSON.parse(readFileSync(answerFile, 'utf8'));
createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  res.writeHead(200, headers);
  res.end(body);
}).listen(Number(port), '127.0.0.1');
