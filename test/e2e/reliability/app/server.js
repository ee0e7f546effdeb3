// The reliability suite's test app. Answers / with its version, /health with 200, and /env with
// the variables whose names start with HOSTILE_ (to compare values that went through hosts.ts,
// the unit file and systemd). Markers in the release change how it starts:
//   FAIL_START        exit 1 at once, after printing its environment as JSON and as it is
//                     (secrets must be redacted in both forms when ship shows the journal);
//   FAIL_ON_HOST      exit 1 at once on the host named in the file only;
//   DIE_AFTER         exit 2 after that many milliseconds (dies inside the health window);
//   START_DELAY       listen only after that many milliseconds (a slow start: a long health wait);
//   HANG_HEALTH       accept /health requests and never answer them (other paths answer as usual).
const { createServer } = require('node:http');
const { readFileSync, existsSync } = require('node:fs');
const { hostname } = require('node:os');
const here = (name) => `${__dirname}/${name}`;
const version = readFileSync(here('VERSION'), 'utf8').trim();
if (existsSync(here('FAIL_START'))) {
  console.error(`version ${version} refuses to start (FAIL_START); its environment: ${JSON.stringify(process.env)}`);
  // The same values unescaped, as systemd handed them over: what a log line quoting one shows.
  console.error(
    `its variables as they are: ${Object.entries(process.env)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
  );
  process.exit(1);
}
if (existsSync(here('FAIL_ON_HOST')) && readFileSync(here('FAIL_ON_HOST'), 'utf8').trim() === hostname()) {
  console.error(`version ${version} refuses to start on ${hostname()} (FAIL_ON_HOST)`);
  process.exit(1);
}
if (existsSync(here('DIE_AFTER'))) setTimeout(() => process.exit(2), Number(readFileSync(here('DIE_AFTER'), 'utf8')));
const hangHealth = existsSync(here('HANG_HEALTH'));
const server = createServer((req, res) => {
  if (hangHealth && req.url === '/health') return; // accepted, never answered
  if (req.url === '/env') {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('HOSTILE_')));
    return res.end(`${JSON.stringify(env)}\n`);
  }
  res.end(`${version}\n`);
});
const delay = existsSync(here('START_DELAY')) ? Number(readFileSync(here('START_DELAY'), 'utf8')) : 0;
setTimeout(() => {
  server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
  console.log(`version ${version} listening`);
}, delay);
