// Decrypt-sign-wipe of a wallet key: open the sealed key (unwrap the data key, decrypt), sign a
// transaction with viem, zero the plaintext. The target is per signature, warm.
import { randomBytes } from 'node:crypto';
import { bytesToHex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { Keystore } from '../src/wallets/keystore.js';
import { masterKeyFrom } from '../src/wallets/master-key.js';
import type { Bench } from './lib.js';
import { median, round } from './lib.js';

const bench: Bench = {
  name: 'keystore',
  async run() {
    const keystore = new Keystore(masterKeyFrom(randomBytes(32)));
    const key = randomBytes(32);
    const owner = { userId: 'u-bench', address: privateKeyToAccount(bytesToHex(key)).address };
    const sealed = keystore.seal(key, owner);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await keystore.withSecret(sealed, owner, (secret) =>
        privateKeyToAccount(bytesToHex(secret)).signTransaction({ chainId: 31337, type: 'eip1559', to: owner.address, value: parseEther('1'), nonce: i, gas: 21_000n, maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 0n }),
      );
      times.push(performance.now() - t);
    }
    const warm = median(times.slice(50));
    const p99 = [...times.slice(50)].sort((a, b) => a - b)[Math.floor(0.99 * 250)]!;
    return {
      name: 'keystore',
      measurements: [
        { metric: 'decrypt + sign an EIP-1559 transaction + wipe, median (warm)', value: round(warm, 3), unit: 'ms', target: '<= 5 ms', pass: warm <= 5 },
        { metric: 'the same, p99', value: round(p99, 3), unit: 'ms' },
        { metric: 'first call (cold)', value: round(times[0]!, 2), unit: 'ms' },
      ],
    };
  },
};
export default bench;
