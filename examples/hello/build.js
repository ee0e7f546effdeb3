// `npm run build`: the release is dist/, holding server.js and a VERSION file. Nothing to
// install or compile. Environment:
//   APP_VERSION=1.2.3  the version /health reports (default: "version" in package.json)
//   APP_BROKEN=1       build a release that exits at start (for rollback tests)
//   APP_UNHEALTHY=1    build a release whose /health answers 503 (for rollback tests)
'use strict';
const { cpSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
cpSync(join(__dirname, 'server.js'), join(dist, 'server.js'));
const version = process.env.APP_VERSION || require('./package.json').version;
writeFileSync(join(dist, 'VERSION'), `${version}\n`);
if (process.env.APP_BROKEN === '1') writeFileSync(join(dist, 'BROKEN'), '');
if (process.env.APP_UNHEALTHY === '1') writeFileSync(join(dist, 'UNHEALTHY'), '');
console.log(`built dist/ version ${version}${process.env.APP_BROKEN === '1' ? ' (broken)' : ''}${process.env.APP_UNHEALTHY === '1' ? ' (unhealthy)' : ''}`);
