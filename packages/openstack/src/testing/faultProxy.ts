import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A proxy in front of a real service that can answer with errors instead, for fault tests. */
export interface FaultProxy {
  /** The proxy's base URL (127.0.0.1, a free port). */
  url: string;
  /** Requests seen, and how many were answered with a fault. */
  readonly stats: { requests: number; faults: number };
  /**
   * Decides per request: a status to answer with (e.g. 503), `'reset'` to drop the connection
   * without an answer, `'hang'` to never answer (the client's timeout must fire), or undefined to
   * forward.
   */
  fault: (request: { method: string; path: string; index: number }) => number | 'reset' | 'hang' | undefined;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 forwarding to `target` (e.g. `http://127.0.0.1:8080`), injecting
 * the faults `fault` chooses.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = {
    url: '',
    stats: { requests: 0, faults: 0 },
    fault: () => undefined,
    close: () =>
      new Promise((resolve) => {
        for (const socket of hanging) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const hanging = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const index = proxy.stats.requests++;
    const status = proxy.fault({ method: req.method ?? 'GET', path: req.url ?? '/', index });
    if (status === 'reset' || status === 'hang') {
      proxy.stats.faults++;
      req.resume();
      if (status === 'reset') req.socket.destroy();
      else hanging.add(req.socket);
      return;
    }
    if (status !== undefined) {
      proxy.stats.faults++;
      req.resume();
      res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end(`injected fault ${status}\n`);
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
