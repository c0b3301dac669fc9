import type { Deployment } from './deployment.js';
import type { Eip1193Provider } from './edr.js';

/**
 * What `POST /rpc/devnet` lets anyone call: reads, gas estimates, filters and signed
 * transactions — what MetaMask, cast and viem need. Not the node's admin methods (hardhat_*,
 * evm_*: one call could rewrite anyone's balance or reset the chain) and not eth_sendTransaction
 * or signing, which would act with the node's unlocked genesis accounts.
 */
const PUBLIC_METHODS = new Set([
  'eth_chainId', 'net_version', 'net_listening', 'web3_clientVersion', 'web3_sha3', 'eth_syncing',
  'eth_blockNumber', 'eth_getBalance', 'eth_getCode', 'eth_getStorageAt', 'eth_getTransactionCount', 'eth_getProof',
  'eth_call', 'eth_estimateGas', 'eth_gasPrice', 'eth_maxPriorityFeePerGas', 'eth_feeHistory', 'eth_blobBaseFee',
  'eth_getBlockByNumber', 'eth_getBlockByHash', 'eth_getBlockTransactionCountByNumber', 'eth_getBlockTransactionCountByHash',
  'eth_getTransactionByHash', 'eth_getTransactionByBlockHashAndIndex', 'eth_getTransactionByBlockNumberAndIndex', 'eth_getTransactionReceipt',
  'eth_getLogs', 'eth_newFilter', 'eth_newBlockFilter', 'eth_getFilterChanges', 'eth_getFilterLogs', 'eth_uninstallFilter',
  'eth_sendRawTransaction', 'debug_traceTransaction',
]);

export const MAX_BATCH = 100;

/** Operator controls, offered only where the caller is the machine's owner (see the route). */
export interface DevnetAdmin {
  /** `mobius_marketMaker` with `{action: 'status' | 'pause' | 'resume' | 'step'}`. */
  marketMaker(action: string): Promise<unknown>;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

type Id = string | number | null;

function failure(id: Id, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

/**
 * Answers one JSON-RPC 2.0 body (a request or a batch) against the devnet. Every error is a
 * JSON-RPC error object, as wallets expect, never an HTTP error.
 */
export async function answerDevnetRpc(provider: Eip1193Provider, deployment: Deployment, body: unknown, admin?: DevnetAdmin): Promise<JsonRpcResponse | JsonRpcResponse[]> {
  if (Array.isArray(body)) {
    if (body.length === 0) return failure(null, -32600, 'empty batch');
    if (body.length > MAX_BATCH) return failure(null, -32600, `a batch holds at most ${MAX_BATCH} requests`);
    return Promise.all(body.map((one) => answerOne(provider, deployment, one, admin)));
  }
  return answerOne(provider, deployment, body, admin);
}

async function answerOne(provider: Eip1193Provider, deployment: Deployment, request: unknown, admin: DevnetAdmin | undefined): Promise<JsonRpcResponse> {
  if (typeof request !== 'object' || request === null) return failure(null, -32600, 'invalid request');
  const { id = null, method, params } = request as { id?: Id; method?: unknown; params?: unknown };
  const safeId: Id = typeof id === 'string' || typeof id === 'number' ? id : null;
  if (typeof method !== 'string') return failure(safeId, -32600, 'invalid request: method must be a string');
  if (params !== undefined && !Array.isArray(params)) return failure(safeId, -32602, 'params must be an array');
  if (method === 'mobius_deployment') return { jsonrpc: '2.0', id: safeId, result: deployment };
  if (method === 'eth_accounts') return { jsonrpc: '2.0', id: safeId, result: [] };
  if (method === 'mobius_marketMaker') {
    if (!admin) return failure(safeId, -32601, 'mobius_marketMaker is only available on a server listening on loopback (the machine owner\'s devnet)');
    const action = (params as Array<{ action?: unknown }> | undefined)?.[0]?.action ?? 'status';
    if (typeof action !== 'string' || !['status', 'pause', 'resume', 'step'].includes(action)) return failure(safeId, -32602, 'action must be status, pause, resume or step');
    try {
      return { jsonrpc: '2.0', id: safeId, result: await admin.marketMaker(action) };
    } catch (err) {
      return failure(safeId, -32603, (err as Error).message.split('\n')[0] ?? 'failed');
    }
  }
  if (!PUBLIC_METHODS.has(method)) return failure(safeId, -32601, `the method ${method} is not available on the public devnet endpoint`);
  try {
    const result = await provider.request({ method, params: params ?? [] });
    return { jsonrpc: '2.0', id: safeId, result: result ?? null };
  } catch (err) {
    const e = err as { code?: unknown; message?: string; data?: unknown };
    const code = typeof e.code === 'number' ? e.code : -32603;
    return failure(safeId, code, e.message?.split('\n')[0] ?? 'internal error', e.data);
  }
}
