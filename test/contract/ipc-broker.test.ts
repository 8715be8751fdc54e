/**
 * The broker contract on embedded multi-core mode's broker (issue 19): IpcBroker clients in front of
 * a BrokerHost (a MemoryBroker in the "primary"). Each client talks to the host over a
 * worker_threads MessageChannel, which structured-clones every message as node:cluster's
 * `serialization: 'advanced'` IPC does; the process-level path (real workers, real sockets) is
 * test/scaleout/embedded-workers.test.ts.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { BrokerHost } from '../../src/brokers/ipc/host.js';
import { IpcBroker } from '../../src/brokers/ipc/client.js';
import type { IpcEndpoint } from '../../src/brokers/ipc/protocol.js';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { silentLogger } from '../../src/log.js';
import { describeBroker } from './broker.contract.js';

/** A MessagePort as an IPC endpoint (postMessage for send; the callback once the message is queued). */
function endpoint(port: MessagePort): IpcEndpoint {
  return {
    send(message, callback) {
      port.postMessage(message);
      if (callback) setImmediate(() => callback(null));
      return true;
    },
    on: (event, listener) => port.on(event, listener),
    off: (event, listener) => port.off(event, listener),
  };
}

describeBroker('IpcBroker (embedded multi-core)', async (deps = {}) => {
  const ports: MessagePort[] = [];
  const clients: IpcBroker[] = [];
  let host: BrokerHost;
  let workers = 0;
  const startHost = async () => {
    const broker = new MemoryBroker({ ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.idempotency ? { idempotency: deps.idempotency } : {}) });
    host = new BrokerHost(broker, { log: silentLogger });
    await host.start();
  };
  const client = () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    host.attach(`w${++workers}`, endpoint(port1));
    const broker = new IpcBroker(endpoint(port2));
    clients.push(broker);
    return broker;
  };
  await startHost();
  return {
    broker: client(),
    peer: async () => client(),
    // The primary restarted: a new MemoryBroker, so a new epoch (workers restart with it).
    restart: async () => {
      await host.close();
      await startHost();
      const broker = client();
      await broker.start(() => {});
      return broker;
    },
    cleanup: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await host.close();
      for (const port of ports) port.close();
    },
  };
}, { multiNode: true });
