// hosts.ts for the example app. Replace the hosts with yours; `ship setup prod` once, then
// `ship deploy prod` for every release. See ship's hosts.example.ts for every field.
import { defineHosts } from 'ship-deploy';

export default defineHosts({
  app: 'hello',
  build: { run: ['npm', 'run', 'build'], dir: 'dist' },
  service: {
    exec: 'node server.js',      // resolved to /usr/bin/node (or wherever node is) on each host
    user: 'deploy',
    env: { PORT: '4000' },       // used only when the app runs without the socket
    envFile: '.env.prod',        // uploaded to shared/.env, mode 0600
    socket: 4000,                // systemd holds port 4000: deploys refuse no connection
  },
  stages: {
    prod: {
      hosts: ['deploy@web1.example.com', 'deploy@web2.example.com'],
      path: '/srv/hello',
      shared: ['.env'],
      health: { url: 'http://127.0.0.1:4000/health', timeout: 20 },
    },
  },
});
