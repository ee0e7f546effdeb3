/** Which stages a `ship certs ...` command covers: the one named, or every stage with `certs`. */
import { resolve } from 'node:path';
import { loadConfig, resolveStage, stagesWithCerts, type LoadedConfig } from '../config/load.js';
import type { ShipApi } from '../config/import-module.js';
import type { Stage } from '../config/types.js';
import { ConfigError } from '../errors.js';

export type CertStage = Stage & { certs: NonNullable<Stage['certs']> };

export async function certStages(
  configFile: string,
  stageName: string | undefined,
  api: ShipApi,
): Promise<{ loaded: LoadedConfig; stages: CertStage[] }> {
  const loaded = await loadConfig(resolve(configFile), { api });
  if (stageName !== undefined) {
    const stage = resolveStage(loaded, stageName);
    if (!hasCerts(stage)) {
      throw new ConfigError(
        `stage "${stageName}" in ${loaded.file} has no certs section`,
        `add certs: { domains, email, webroot } to stages.${stageName} (see hosts.example.ts)`,
      );
    }
    return { loaded, stages: [stage] };
  }
  const stages = stagesWithCerts(loaded).filter(hasCerts);
  if (stages.length === 0)
    throw new ConfigError(
      `no stage in ${loaded.file} has a certs section`,
      'add certs: { domains, email, webroot } to a stage (see hosts.example.ts)',
    );
  return { loaded, stages };
}

function hasCerts(stage: Stage): stage is CertStage {
  return stage.certs !== undefined;
}
