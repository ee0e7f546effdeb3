/**
 * The names ship gives what it keeps in releases/ on a host. Here, below release/ and host/,
 * because the commands in remote/ check them too, and both of those import remote/.
 */

/** The shape newReleaseId (release/build.ts) makes; anything else named as a release by a host is not one of ours. */
export const RELEASE_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function isReleaseId(id: string): boolean {
  return RELEASE_ID.test(id);
}

/** What an interrupted deploy or removal leaves: releases/.partial-<id>, releases/.removing-<id>, .ship/upload-<id>.tar.gz. */
export interface Leftover {
  kind: 'partial' | 'removing' | 'upload';
  id: string;
}
