import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  maxUint256,
  multicall3Abi as viemMulticall3Abi,
  numberToHex,
  pad,
  parseAbi,
  toFunctionSignature,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  type Account,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type * as HardhatProvider from 'hardhat/internal/hardhat-network/provider/provider.js';
import {
  devnetTokenAbi,
  devnetTokenBytecode,
  devnetTokenStorageSlots,
  multicall3Abi,
  multicall3Bytecode,
  priceFeedAbi,
  priceFeedBytecode,
} from './artifacts.js';

const require = createRequire(import.meta.url);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The well-known Multicall3 interface (deployed at 0xcA11bde05977b3631167028862bE2a173976CA11). */
const CANONICAL_MULTICALL3 = parseAbi([
  'function aggregate((address target, bytes callData)[] calls) payable returns (uint256 blockNumber, bytes[] returnData)',
  'function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)',
  'function aggregate3Value((address target, bool allowFailure, uint256 value, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)',
  'function blockAndAggregate((address target, bytes callData)[] calls) payable returns (uint256 blockNumber, bytes32 blockHash, (bool success, bytes returnData)[] returnData)',
  'function getBasefee() view returns (uint256 basefee)',
  'function getBlockHash(uint256 blockNumber) view returns (bytes32 blockHash)',
  'function getBlockNumber() view returns (uint256 blockNumber)',
  'function getChainId() view returns (uint256 chainid)',
  'function getCurrentBlockCoinbase() view returns (address coinbase)',
  'function getCurrentBlockDifficulty() view returns (uint256 difficulty)',
  'function getCurrentBlockGasLimit() view returns (uint256 gaslimit)',
  'function getCurrentBlockTimestamp() view returns (uint256 timestamp)',
  'function getEthBalance(address addr) view returns (uint256 balance)',
  'function getLastBlockHash() view returns (bytes32 blockHash)',
  'function tryAggregate(bool requireSuccess, (address target, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)',
  'function tryBlockAndAggregate(bool requireSuccess, (address target, bytes callData)[] calls) payable returns (uint256 blockNumber, bytes32 blockHash, (bool success, bytes returnData)[] returnData)',
]);

const DEPLOYER_KEY: Hex = `0x${'11'.repeat(32)}`;
const OTHER_KEY: Hex = `0x${'22'.repeat(32)}`;

describe('devnet contracts', () => {
  it('artifacts.ts is up to date with the Solidity sources', () => {
    const run = spawnSync(process.execPath, ['scripts/compile-contracts.mjs', '--check'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(run.status, 0, `compile-contracts --check failed:\n${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /up to date/);
  });

  it('Multicall3 has exactly the canonical Multicall3 functions: names, structs, outputs, mutability', () => {
    const strip = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(strip)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'internalType').map(([k, v]) => [k, strip(v)]))
          : value;
    const byName = (abi: readonly unknown[]) =>
      Object.fromEntries((strip(abi) as { type: string; name: string }[]).filter((x) => x.type === 'function').map((f) => [f.name, f]));
    assert.equal(Object.keys(byName(CANONICAL_MULTICALL3)).length, 16);
    assert.deepEqual(byName(multicall3Abi), byName(CANONICAL_MULTICALL3));
    // The subset viem itself calls, as viem declares it.
    const ours = new Set(multicall3Abi.filter((x) => x.type === 'function').map((f) => toFunctionSignature(f)));
    for (const f of viemMulticall3Abi) assert.ok(ours.has(toFunctionSignature(f)), toFunctionSignature(f));
  });

  describe('on an in-process EVM', () => {
    let chain: Chain;
    let transport: Transport;
    let client: PublicClient;
    let deployer: WalletClient<Transport, Chain, Account>;
    let other: WalletClient<Transport, Chain, Account>;
    let token: Address;
    let feed: Address;
    let multicall: Address;
    let rpc: (method: string, params: unknown[]) => Promise<unknown>;

    async function deploy(abi: readonly unknown[], bytecode: Hex, args: readonly unknown[] = []): Promise<Address> {
      const hash = await deployer.deployContract({ abi, bytecode, args } as Parameters<typeof deployer.deployContract>[0]);
      const receipt = await client.waitForTransactionReceipt({ hash });
      assert.equal(receipt.status, 'success');
      assert.ok(receipt.contractAddress);
      return receipt.contractAddress;
    }

    async function mined(hash: Promise<Hex>) {
      const receipt = await client.waitForTransactionReceipt({ hash: await hash });
      assert.equal(receipt.status, 'success');
      return receipt;
    }

    before(async () => {
      const { createHardhatNetworkProvider } = require('hardhat/internal/hardhat-network/provider/provider') as typeof HardhatProvider;
      const hardhat = await createHardhatNetworkProvider(
        {
          hardfork: 'cancun',
          chainId: 31337,
          networkId: 31337,
          blockGasLimit: 30_000_000,
          minGasPrice: 0n,
          automine: true,
          intervalMining: 0,
          mempoolOrder: 'priority',
          chains: new Map(),
          genesisAccounts: [DEPLOYER_KEY, OTHER_KEY].map((privateKey) => ({ privateKey, balance: (10n ** 24n).toString() })),
          allowUnlimitedContractSize: false,
          throwOnTransactionFailures: true,
          throwOnCallFailures: true,
          allowBlocksWithSameTimestamp: false,
          initialBaseFeePerGas: 1_000_000_000,
          enableTransientStorage: false,
          enableRip7212: false,
        },
        { enabled: false },
      );
      rpc = (method, params) => hardhat.request({ method, params });
      transport = custom(hardhat, { retryCount: 0 });
      const base = {
        id: 31337,
        name: 'Devnet',
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: ['http://127.0.0.1:8545'] } },
      } as const;
      chain = defineChain(base);
      client = createPublicClient({ chain, transport });
      deployer = createWalletClient({ chain, transport, account: privateKeyToAccount(DEPLOYER_KEY) });
      other = createWalletClient({ chain, transport, account: privateKeyToAccount(OTHER_KEY) });

      token = await deploy(devnetTokenAbi, devnetTokenBytecode, ['Devnet USD Coin', 'USDC', 6]);
      feed = await deploy(priceFeedAbi, priceFeedBytecode, [8, 'ETH / USD', 3_000n * 10n ** 8n]);
      multicall = await deploy(multicall3Abi, multicall3Bytecode);
      // viem's multicall finds Multicall3 through the chain definition.
      chain = defineChain({ ...base, contracts: { multicall3: { address: multicall } } });
      client = createPublicClient({ chain, transport });
    });

    it('DevnetToken: metadata, devnet flag, and minting only by minters', async () => {
      const read = { address: token, abi: devnetTokenAbi } as const;
      assert.equal(await client.readContract({ ...read, functionName: 'name' }), 'Devnet USD Coin');
      assert.equal(await client.readContract({ ...read, functionName: 'symbol' }), 'USDC');
      assert.equal(await client.readContract({ ...read, functionName: 'decimals' }), 6);
      assert.equal(await client.readContract({ ...read, functionName: 'devnetCopy' }), true);
      assert.equal(await client.readContract({ ...read, functionName: 'owner' }), deployer.account.address);
      assert.equal(await client.readContract({ ...read, functionName: 'isMinter', args: [deployer.account.address] }), true);

      await mined(deployer.writeContract({ ...read, functionName: 'mint', args: [deployer.account.address, 1_000_000n] }));
      assert.equal(await client.readContract({ ...read, functionName: 'balanceOf', args: [deployer.account.address] }), 1_000_000n);
      assert.equal(await client.readContract({ ...read, functionName: 'totalSupply' }), 1_000_000n);

      await assert.rejects(
        other.writeContract({ ...read, functionName: 'mint', args: [other.account.address, 1n] }),
        /caller is not a minter/,
      );
      await assert.rejects(
        other.writeContract({ ...read, functionName: 'setMinter', args: [other.account.address, true] }),
        /caller is not the owner/,
      );
      await mined(deployer.writeContract({ ...read, functionName: 'setMinter', args: [other.account.address, true] }));
      await mined(other.writeContract({ ...read, functionName: 'mint', args: [other.account.address, 5n] }));
      await mined(deployer.writeContract({ ...read, functionName: 'setMinter', args: [other.account.address, false] }));
      await assert.rejects(
        other.writeContract({ ...read, functionName: 'mint', args: [other.account.address, 1n] }),
        /caller is not a minter/,
      );
      assert.equal(await client.readContract({ ...read, functionName: 'totalSupply' }), 1_000_005n);
    });

    it('DevnetToken: transfer, and transferFrom that leaves an infinite allowance untouched', async () => {
      const read = { address: token, abi: devnetTokenAbi } as const;
      const me = deployer.account.address;
      const them = other.account.address;
      const balance = (a: Address) => client.readContract({ ...read, functionName: 'balanceOf', args: [a] });
      const before = { me: await balance(me), them: await balance(them) };

      const receipt = await mined(deployer.writeContract({ ...read, functionName: 'transfer', args: [them, 100n] }));
      assert.equal(receipt.logs.length, 1, 'one Transfer event');
      assert.equal(await balance(me), before.me - 100n);
      assert.equal(await balance(them), before.them + 100n);
      await assert.rejects(
        other.writeContract({ ...read, functionName: 'transfer', args: [me, before.them + 101n] }),
        /exceeds balance/,
      );

      // A finite allowance is spent...
      await mined(deployer.writeContract({ ...read, functionName: 'approve', args: [them, 50n] }));
      await mined(other.writeContract({ ...read, functionName: 'transferFrom', args: [me, them, 20n] }));
      assert.equal(await client.readContract({ ...read, functionName: 'allowance', args: [me, them] }), 30n);
      await assert.rejects(
        other.writeContract({ ...read, functionName: 'transferFrom', args: [me, them, 31n] }),
        /insufficient allowance/,
      );
      // ...an infinite one (what Uniswap routers are given) is not.
      await mined(deployer.writeContract({ ...read, functionName: 'approve', args: [them, maxUint256] }));
      await mined(other.writeContract({ ...read, functionName: 'transferFrom', args: [me, them, 1_000n] }));
      await mined(other.writeContract({ ...read, functionName: 'transferFrom', args: [me, them, 1_000n] }));
      assert.equal(await client.readContract({ ...read, functionName: 'allowance', args: [me, them] }), maxUint256);
      assert.equal(await balance(them), before.them + 100n + 20n + 2_000n);
      assert.equal(await balance(me), before.me - 100n - 20n - 2_000n);
    });

    it('DevnetToken: storage written at the documented slots is what the token reports', async () => {
      const read = { address: token, abi: devnetTokenAbi } as const;
      const holder: Address = '0x00000000000000000000000000000000000000a1';
      const word = (value: bigint) => pad(numberToHex(value), { size: 32 });
      const mappingSlot = (key: Address, slot: bigint) =>
        keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [key, slot]));

      // The value must be exactly 32 bytes; the slot may be a 32-byte word too.
      const setStorage = (slot: Hex, value: bigint) =>
        rpc('hardhat_setStorageAt', [token, slot, word(value)]);

      await setStorage(mappingSlot(holder, devnetTokenStorageSlots.balanceOf), 123_456_789n);
      await setStorage(word(devnetTokenStorageSlots.totalSupply), 10n ** 30n);
      assert.equal(await client.readContract({ ...read, functionName: 'balanceOf', args: [holder] }), 123_456_789n);
      assert.equal(await client.readContract({ ...read, functionName: 'totalSupply' }), 10n ** 30n);

      // And the other way round: what the contract wrote is where the layout says.
      const me = deployer.account.address;
      const them = other.account.address;
      const stored = async (slot: Hex) => BigInt((await client.getStorageAt({ address: token, slot })) ?? '0x0');
      assert.equal(
        await stored(mappingSlot(me, devnetTokenStorageSlots.balanceOf)),
        await client.readContract({ ...read, functionName: 'balanceOf', args: [me] }),
      );
      const allowanceSlot = keccak256(
        encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [them, mappingSlot(me, devnetTokenStorageSlots.allowance)]),
      );
      assert.equal(await stored(allowanceSlot), maxUint256);
      assert.equal(await stored(word(devnetTokenStorageSlots.owner)), BigInt(me));
      assert.equal(await stored(mappingSlot(me, devnetTokenStorageSlots.isMinter)), 1n);
    });

    it('PriceFeed: rounds, unknown rounds, and updates only by the updater', async () => {
      const read = { address: feed, abi: priceFeedAbi } as const;
      assert.equal(await client.readContract({ ...read, functionName: 'decimals' }), 8);
      assert.equal(await client.readContract({ ...read, functionName: 'description' }), 'ETH / USD');
      assert.equal(await client.readContract({ ...read, functionName: 'version' }), 4n);

      const [roundId, answer, startedAt, updatedAt, answeredInRound] = await client.readContract({ ...read, functionName: 'latestRoundData' });
      assert.equal(roundId, 1n);
      assert.equal(answer, 3_000n * 10n ** 8n);
      assert.ok(updatedAt > 0n);
      assert.equal(startedAt, updatedAt);
      assert.equal(answeredInRound, 1n);

      const receipt = await mined(deployer.writeContract({ ...read, functionName: 'updateAnswer', args: [3_100n * 10n ** 8n] }));
      const block = await client.getBlock({ blockNumber: receipt.blockNumber });
      assert.equal(receipt.logs.length, 2, 'NewRound and AnswerUpdated');
      const latest = await client.readContract({ ...read, functionName: 'latestRoundData' });
      assert.deepEqual(latest, [2n, 3_100n * 10n ** 8n, block.timestamp, block.timestamp, 2n]);
      assert.equal(await client.readContract({ ...read, functionName: 'latestAnswer' }), 3_100n * 10n ** 8n);
      assert.equal(await client.readContract({ ...read, functionName: 'latestTimestamp' }), block.timestamp);
      assert.equal(await client.readContract({ ...read, functionName: 'latestRound' }), 2n);
      const first = await client.readContract({ ...read, functionName: 'getRoundData', args: [1n] });
      assert.deepEqual(first, [1n, answer, startedAt, updatedAt, 1n]);

      await assert.rejects(client.readContract({ ...read, functionName: 'getRoundData', args: [3n] }), /No data present/);
      await assert.rejects(client.readContract({ ...read, functionName: 'getRoundData', args: [0n] }), /No data present/);

      await assert.rejects(
        other.writeContract({ ...read, functionName: 'updateAnswer', args: [1n] }),
        /caller is not the updater/,
      );
      await assert.rejects(
        other.writeContract({ ...read, functionName: 'setUpdater', args: [other.account.address] }),
        /caller is not the owner/,
      );
      await mined(deployer.writeContract({ ...read, functionName: 'setUpdater', args: [other.account.address] }));
      await mined(other.writeContract({ ...read, functionName: 'updateAnswer', args: [-5n] }));
      await assert.rejects(
        deployer.writeContract({ ...read, functionName: 'updateAnswer', args: [1n] }),
        /caller is not the updater/,
      );
      assert.equal(await client.readContract({ ...read, functionName: 'latestAnswer' }), -5n);
      assert.equal(await client.readContract({ ...read, functionName: 'latestRound' }), 3n);
    });

    it('Multicall3: viem multicall returns successes and failures side by side', async () => {
      const me = deployer.account.address;
      const results = await client.multicall({
        allowFailure: true,
        contracts: [
          { address: token, abi: devnetTokenAbi, functionName: 'symbol' },
          { address: feed, abi: priceFeedAbi, functionName: 'getRoundData', args: [99n] },
          { address: feed, abi: priceFeedAbi, functionName: 'latestRound' },
          { address: multicall, abi: multicall3Abi, functionName: 'getEthBalance', args: [me] },
          { address: multicall, abi: multicall3Abi, functionName: 'getChainId' },
        ],
      });
      assert.equal(results.length, 5);
      assert.deepEqual(results[0], { status: 'success', result: 'USDC' });
      assert.equal(results[1]?.status, 'failure');
      assert.match(String(results[1]?.error), /No data present/);
      assert.equal(results[2]?.status, 'success');
      assert.deepEqual(results[3], { status: 'success', result: await client.getBalance({ address: me }) });
      assert.deepEqual(results[4], { status: 'success', result: 31337n });

      // Without allowFailure a failing call fails the batch.
      await assert.rejects(
        client.multicall({
          allowFailure: false,
          contracts: [{ address: feed, abi: priceFeedAbi, functionName: 'getRoundData', args: [99n] }],
        }),
        /No data present|Multicall3: call failed/,
      );
    });

    it('Multicall3: revert reasons and value forwarding as the canonical contract', async () => {
      const read = { address: multicall, abi: multicall3Abi } as const;
      const bad = encodeFunctionData({ abi: priceFeedAbi, functionName: 'getRoundData', args: [99n] });
      const good = encodeFunctionData({ abi: priceFeedAbi, functionName: 'latestRound' });

      await assert.rejects(
        client.simulateContract({ ...read, functionName: 'aggregate3', args: [[{ target: feed, allowFailure: false, callData: bad }]] }),
        /Multicall3: call failed/,
      );
      await assert.rejects(
        client.simulateContract({ ...read, functionName: 'aggregate', args: [[{ target: feed, callData: bad }]] }),
        /Multicall3: call failed/,
      );
      // The aggregate family is payable, so it is simulated rather than read.
      const { result: tried } = await client.simulateContract({
        ...read,
        functionName: 'tryAggregate',
        args: [false, [{ target: feed, callData: good }, { target: feed, callData: bad }]],
      });
      assert.deepEqual(tried.map((r) => r.success), [true, false]);
      const { result: [blockNumber, data] } = await client.simulateContract({ ...read, functionName: 'aggregate', args: [[{ target: feed, callData: good }]] });
      assert.equal(blockNumber, await client.getBlockNumber());
      assert.equal(BigInt(data[0] ?? '0x'), 3n);

      // aggregate3Value forwards each call's value and insists msg.value is their sum.
      const payee: Address = '0x00000000000000000000000000000000000000b2';
      const calls = [
        { target: payee, allowFailure: false, value: 5n, callData: '0x' as Hex },
        { target: payee, allowFailure: false, value: 7n, callData: '0x' as Hex },
      ];
      await assert.rejects(
        // (Sending less would fail the second call first: the contract could not fund it.)
        deployer.writeContract({ ...read, functionName: 'aggregate3Value', args: [calls], value: 13n }),
        /Multicall3: value mismatch/,
      );
      await mined(deployer.writeContract({ ...read, functionName: 'aggregate3Value', args: [calls], value: 12n }));
      assert.equal(await client.getBalance({ address: payee }), 12n);
      assert.equal(await client.readContract({ ...read, functionName: 'getEthBalance', args: [payee] }), 12n);

      const head = await client.getBlock();
      assert.equal(await client.readContract({ ...read, functionName: 'getBlockNumber' }), head.number);
      assert.equal(await client.readContract({ ...read, functionName: 'getBlockHash', args: [head.number - 1n] }), head.parentHash);
      assert.equal(await client.readContract({ ...read, functionName: 'getLastBlockHash' }), head.parentHash);
      assert.equal(await client.readContract({ ...read, functionName: 'getCurrentBlockGasLimit' }), 30_000_000n);
      assert.equal(await client.readContract({ ...read, functionName: 'getCurrentBlockTimestamp' }), head.timestamp);
      // Hardhat runs an eth_call without fee fields at base fee 0, so only the type is checked.
      assert.equal(typeof (await client.readContract({ ...read, functionName: 'getBasefee' })), 'bigint');
      assert.equal(
        (await client.readContract({ ...read, functionName: 'getCurrentBlockCoinbase' })).toLowerCase(),
        head.miner.toLowerCase(),
      );
      const { result: [number, , results] } = await client.simulateContract({
        ...read,
        functionName: 'blockAndAggregate',
        args: [[{ target: feed, callData: good }]],
      });
      assert.equal(number, head.number);
      assert.equal(results[0]?.success, true);
      await assert.rejects(
        client.simulateContract({ ...read, functionName: 'tryBlockAndAggregate', args: [true, [{ target: feed, callData: bad }]] }),
        /Multicall3: call failed/,
      );
    });
  });
});
