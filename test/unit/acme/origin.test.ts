import { describe, expect, it } from 'vitest';
import { originPath, originRecord, recordedDirectory } from '../../../src/acme/origin.js';

describe('origin record', () => {
  const fingerprint = 'AB:CD:EF';

  it('sits beside the certificate', () => {
    expect(originPath('/etc/ship/certs/a.example.com/fullchain.pem')).toBe('/etc/ship/certs/a.example.com/fullchain.pem.ship.json');
  });

  it('gives the directory for the certificate it names, and nothing for another one', () => {
    const record = originRecord('https://ca.example/dir', fingerprint);
    expect(recordedDirectory(record, fingerprint)).toBe('https://ca.example/dir');
    expect(recordedDirectory(record, 'AB:CD:00')).toBeUndefined();
  });

  it('says nothing when there is no record, or not one ship wrote', () => {
    for (const text of ['', 'not json', 'null', '[]', '{"directoryUrl":1,"fingerprint":"AB:CD:EF"}', '{"fingerprint":"AB:CD:EF"}']) {
      expect(recordedDirectory(text, fingerprint)).toBeUndefined();
    }
  });
});
