// Pick a free TCP port for a server to listen on. Plain Node ESM, built-ins only.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The ports the kernel gives outgoing connections (ip_local_port_range). A server port picked from
 * there can be taken by any client's connection (a pg pool, a Kafka client, a fetch) between the pick
 * and the server's bind, which then fails with EADDRINUSE; below it, only another server can take it.
 */
function ephemeralRange() {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low, high };
  } catch {
    // not Linux: the IANA dynamic range
  }
  return { low: 49152, high: 65535 };
}

const { low: EPHEMERAL_LOW } = ephemeralRange();
/** Where servers' ports are picked from: 10,000 ports below the outgoing connections' range. */
const LISTEN_LOW = Math.max(1024, EPHEMERAL_LOW - 10_000);

/** Whether a server can listen on the port on every address right now. */
export function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '0.0.0.0', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set();

/**
 * Ports this process's own servers will take later (a stack's HTTP ports): freePort never hands them out, so
 * the infrastructure started first cannot land on one of them.
 */
export function reservePorts(ports) {
  for (const port of ports) handedOut.add(port);
}

/**
 * A port free right now, below the range outgoing connections use (see ephemeralRange), tried at
 * random. Another server can still take it before ours binds; the server starters retry with a new
 * port when that happens. Never one this process handed out before. `count`: that many consecutive
 * ports free from the one returned (a stack's block).
 */
export async function freePort({ count = 1 } = {}) {
  const span = EPHEMERAL_LOW - LISTEN_LOW - count;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LISTEN_LOW + Math.floor(Math.random() * span);
    let free = true;
    for (let i = 0; i < count && free; i++) free = !handedOut.has(port + i) && (await canListen(port + i));
    if (!free) continue;
    for (let i = 0; i < count; i++) handedOut.add(port + i);
    return port;
  }
  throw new Error(`no ${count} free consecutive ports between ${LISTEN_LOW} and ${EPHEMERAL_LOW}`);
}
