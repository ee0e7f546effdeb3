/**
 * The compression names of a release stream, shared by the command that receives it (remote/)
 * and the code that chooses and applies one (release/codec.ts), which sits above remote/.
 */
export type Codec = 'zstd' | 'gzip' | 'none';
