import { describe, expect, it } from 'vitest';
import { ExitCode, ShipError } from '../../../src/errors.js';
import { LockOrder } from '../../../src/host/lock-order.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('LockOrder', () => {
  it('waits until every host asked, then locks them one by one in sorted order', async () => {
    const order = new LockOrder(['web2', 'web1', 'web3']);
    const taken: string[] = [];
    const take = (host: string) => () => tick().then(() => void taken.push(host));
    const web3 = order.inTurn('web3', take('web3'));
    const web2 = order.inTurn('web2', take('web2'));
    await tick();
    expect(taken).toEqual([]); // web1 has not asked yet
    await Promise.all([web3, web2, order.inTurn('web1', take('web1'))]);
    expect(taken).toEqual(['web1', 'web2', 'web3']);
  });

  it('does not wait for a host whose step ended without asking', async () => {
    const order = new LockOrder(['a', 'b']);
    const taken: string[] = [];
    const b = order.inTurn('b', async () => void taken.push('b'));
    order.finished('a');
    await b;
    expect(taken).toEqual(['b']);
  });

  it('stops at the first host that cannot be locked: the ones after it do not try', async () => {
    const order = new LockOrder(['a', 'b', 'c']);
    const tried: string[] = [];
    const locked = new ShipError('a: locked by alice', { exitCode: ExitCode.locked });
    const results = await Promise.allSettled([
      order.inTurn('c', async () => void tried.push('c')),
      order.inTurn('a', async () => {
        tried.push('a');
        throw locked;
      }),
      order.inTurn('b', async () => void tried.push('b')),
    ]);
    expect(tried).toEqual(['a']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const skipped = (results[2] as PromiseRejectedResult).reason as ShipError;
    expect(skipped.message).toBe("b: not locked: locks are taken in order, and a's could not be taken");
    expect(skipped.exitCode).toBe(ExitCode.locked);
  });
});
