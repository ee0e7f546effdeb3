/**
 * The module a user's hosts.ts and recipes get for `import ... from 'ship-deploy'`: this very
 * process's src/index.ts. Handed down from here, the top layer, to the loaders in config/ and
 * recipe/, which sit below index.ts and cannot import it. Loaded when first needed, like the
 * actions (start-up time: see main.ts).
 */
import type { ShipApi } from '../config/import-module.js';

export const shipApi = (): Promise<ShipApi> => import('../index.js');
