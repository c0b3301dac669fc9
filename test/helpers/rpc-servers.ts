import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deployment } from '../../src/chain/devnet/deployment.js';
import type { Eip1193Provider } from '../../src/chain/devnet/edr.js';
import { answerDevnetRpc } from '../../src/chain/devnet/rpc-gateway.js';

export interface LocalRpc {
  url: string;
  /** Requests received (a batch counts once). */
  hits: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc`;
}

/** Stops at once: open keep-alive connections (and a hanging request) are cut, as a crash would. */
function closeNow(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** A second JSON-RPC server in front of the same devnet, answering through the real gateway. */
export async function devnetRpcServer(provider: Eip1193Provider, deployment: Deployment): Promise<LocalRpc> {
  const state = { hits: 0 };
  const server = createServer((req, res) => {
    state.hits += 1;
    void readBody(req).then(async (text) => {
      const answer = await answerDevnetRpc(provider, deployment, JSON.parse(text));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  const url = await listen(server);
  return {
    url,
    get hits() {
      return state.hits;
    },
    close: () => closeNow(server),
  };
}

/** An endpoint that accepts every request and never answers: a node stuck syncing, a dead proxy. */
export async function hangingRpcServer(): Promise<LocalRpc> {
  const state = { hits: 0 };
  const server = createServer(() => {
    state.hits += 1;
  });
  const url = await listen(server);
  return {
    url,
    get hits() {
      return state.hits;
    },
    close: () => closeNow(server),
  };
}
