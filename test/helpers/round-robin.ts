// A load balancer without affinity, for tests of several instances: each HTTP request goes to
// the next backend in turn, and the proxy remembers which backend answered what.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  url: string;
  /** `{ backend index, method, path }` of every request, in order. */
  served: { backend: number; method: string; path: string }[];
  close(): Promise<void>;
}

/** Listens on `port` (0: any) of 127.0.0.1 and forwards to `backends` (base URLs) in turn. */
export async function roundRobin(backends: string[], port = 0): Promise<RoundRobin> {
  const served: RoundRobin['served'] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const backend = next++ % backends.length;
    served.push({ backend, method: req.method ?? 'GET', path: req.url ?? '/' });
    const target = new URL(backends[backend]!);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
