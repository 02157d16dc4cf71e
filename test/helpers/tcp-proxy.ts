// A small TCP proxy for fault-injection tests: it sits between the server and its database
// (127.0.0.1:<port> → target) and can be cut (every open socket destroyed, new connections
// refused at once) and restored, as a database restart would; or stalled (nothing forwarded
// either way, connections left open, new ones never answered) and resumed, as a network
// partition that drops packets would, the bytes held back arriving once it heals.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on, on 127.0.0.1. */
  port: number;
  /** Destroys every proxied connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** Stops forwarding in both directions without closing anything, until `resume()`. */
  stall(): void;
  resume(): void;
  /** Connections currently proxied. */
  readonly open: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  /** Proxied pairs, to stop and start their forwarding. */
  const links = new Set<{ client: Socket; upstream: Socket }>();
  let cut = false;
  let stalled = false;
  const forward = (link: { client: Socket; upstream: Socket }) => {
    link.client.pipe(link.upstream);
    link.upstream.pipe(link.client);
  };
  const hold = (link: { client: Socket; upstream: Socket }) => {
    link.client.unpipe(link.upstream);
    link.upstream.unpipe(link.client);
    link.client.pause();
    link.upstream.pause();
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server: Server = createServer((client) => {
    track(client);
    // While cut, a new connection is reset at once (the driver sees ECONNRESET).
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    const link = { client, upstream };
    links.add(link);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      links.delete(link);
    });
    upstream.on('close', () => client.destroy());
    if (stalled) hold(link);
    else forward(link);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };

  return {
    port,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      cut = false;
    },
    get isCut() {
      return cut;
    },
    stall() {
      stalled = true;
      for (const link of links) hold(link);
    },
    resume() {
      stalled = false;
      for (const link of links) forward(link);
    },
    get open() {
      return sockets.size;
    },
    async close() {
      cut = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
