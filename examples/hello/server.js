// A tiny web app to deploy with ship: GET /health answers the release's version, GET / says
// hello. Plain Node.js (18 or newer), no dependencies, so a release is just these files.
'use strict';
const { readFileSync, existsSync } = require('node:fs');
const { hostname } = require('node:os');
const http = require('node:http');
const { join } = require('node:path');

const version = readFileSync(join(__dirname, 'VERSION'), 'utf8').trim();

// For deploy tests: a release built with APP_BROKEN=1 cannot start, one built with
// APP_UNHEALTHY=1 starts but fails its health check. Either way ship must roll back.
if (existsSync(join(__dirname, 'BROKEN'))) {
  console.error(`version ${version} is broken on purpose (BROKEN marker): exiting`);
  process.exit(1);
}
const unhealthy = existsSync(join(__dirname, 'UNHEALTHY'));

let closing = false;
const server = http.createServer((req, res) => {
  // While shutting down, tell keep-alive clients to reconnect: their next request then goes
  // to the new process through the socket systemd holds.
  if (closing) res.setHeader('Connection', 'close');
  if (req.url === '/health') {
    res.writeHead(unhealthy ? 503 : 200, { 'Content-Type': 'text/plain' });
    return res.end(`${unhealthy ? 'unhealthy' : version}\n`);
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(`hello from ${hostname()}, version ${version}\n`);
});

// Under systemd socket activation (service.socket in hosts.ts), systemd owns the listening
// socket and passes it as file descriptor 3; a restart then queues connections instead of
// refusing them. LISTEN_PID guards against a child process inheriting the variables.
const activated = process.env.LISTEN_FDS !== undefined && (process.env.LISTEN_PID === undefined || Number(process.env.LISTEN_PID) === process.pid);
if (activated) {
  server.listen({ fd: 3 }, () => console.log(`version ${version} listening on the socket from systemd (fd 3)`));
} else {
  const port = Number(process.env.PORT || 3000);
  server.listen(port, () => console.log(`version ${version} listening on port ${port}`));
}

// A restart sends SIGTERM: stop accepting, let requests in flight finish, then exit. With
// socket activation, connections arriving meanwhile wait in the kernel's queue for the next
// process. The timer bounds the wait for slow clients.
function shutdown(signal) {
  if (closing) return;
  closing = true;
  console.log(`${signal}: finishing requests in flight, then exiting`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
