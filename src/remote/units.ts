/** Unit files on a host: whose a unit name is before `ship setup` writes one (systemctl commands: systemctl.ts). */
import type { Command } from './command.js';
import { script } from './scripts.js';

export const units = {
  /**
   * Whose is the unit name `name`: `ship` when /etc/systemd/system/<name> is a file carrying
   * ship's "written by ship setup" line, `other PATH` for any other file (or link) there, or for a
   * unit file of that name anywhere else on systemd's search path, which writing
   * /etc/systemd/system/<name> would shadow (a distro's nginx.service); else `missing`.
   */
  fileOwner: (name: string): Command => script('read-unit-owner.sh', name),
};
