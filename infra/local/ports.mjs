// Pick a free TCP port on 127.0.0.1. Plain Node ESM, built-ins only.

import { createServer } from 'node:net';

/**
 * Bind 127.0.0.1:0, read the port the kernel picked, close. There is a small
 * window in which another process can take the port before our server binds it;
 * the server starters retry with a new port when that happens.
 */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = server.address();
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
