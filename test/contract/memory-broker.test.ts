import { MemoryBroker } from '../../src/brokers/memory.js';
import { describeBroker } from './broker.contract.js';

describeBroker('MemoryBroker', async (deps = {}) => {
  const make = () => new MemoryBroker({ ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.idempotency ? { idempotency: deps.idempotency } : {}) });
  let broker = make();
  return {
    broker,
    restart: async () => {
      await broker.close();
      broker = make();
      await broker.start(() => {});
      return broker;
    },
    cleanup: () => broker.close(),
  };
}, { multiNode: false });
