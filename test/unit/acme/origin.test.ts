import { describe, expect, it } from 'vitest';
import { originPath, originRecord, recordedOrigin } from '../../../src/acme/origin.js';

describe('origin record', () => {
  const fingerprint = 'AB:CD:EF';

  it('sits beside the certificate', () => {
    expect(originPath('/etc/ship/certs/a.example.com/fullchain.pem')).toBe('/etc/ship/certs/a.example.com/fullchain.pem.ship.json');
  });

  it('gives the directory for the certificate it names, and nothing for another one', () => {
    const record = originRecord('https://ca.example/dir', fingerprint);
    expect(recordedOrigin(record, fingerprint)).toEqual({ directoryUrl: 'https://ca.example/dir' });
    expect(recordedOrigin(record, 'AB:CD:00')).toBeUndefined();
  });

  it('keeps the profile hosts.ts asked for', () => {
    const record = originRecord('https://ca.example/dir', fingerprint, 'shortlived');
    expect(JSON.parse(record)).toEqual({ directoryUrl: 'https://ca.example/dir', fingerprint, profile: 'shortlived' });
    expect(recordedOrigin(record, fingerprint)).toEqual({ directoryUrl: 'https://ca.example/dir', profile: 'shortlived' });
  });

  it('says nothing when there is no record, or not one ship wrote', () => {
    for (const text of ['', 'not json', 'null', '[]', '{"directoryUrl":1,"fingerprint":"AB:CD:EF"}', '{"fingerprint":"AB:CD:EF"}']) {
      expect(recordedOrigin(text, fingerprint)).toBeUndefined();
    }
  });
});
