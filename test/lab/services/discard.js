// A discard service (RFC 863 style) for the lab: accepts TCP connections on PORT, reads
// and throws away what arrives, and keeps the total byte count in STATE_FILE so tests can
// ask how many bytes really reached the server. Runs until the lab stops it (SIGTERM), or
// by itself once its namespace (HOPSCOPE_LAB_NETNS) is gone or MAX_SECONDS have passed.
// Usage: node discard.js STATE_FILE PORT [MAX_SECONDS]
const net = require('net');
const fs = require('fs');
const [stateFile, port, maxSeconds = String(7 * 86400)] = process.argv.slice(2);
let total = 0;
const save = () => fs.writeFileSync(stateFile, JSON.stringify({ port: Number(port), bytes: total }));
const server = net.createServer((sock) => {
  sock.on('data', (d) => {
    total += d.length;
    save();
  });
  sock.on('error', () => {});
});
server.listen(Number(port), '::', save);
setTimeout(() => process.exit(0), Number(maxSeconds) * 1000).unref();
const ns = process.env.HOPSCOPE_LAB_NETNS;
if (ns) setInterval(() => fs.existsSync(`/run/netns/${ns}`) || process.exit(0), 5000).unref();
process.on('SIGTERM', () => process.exit(0));
