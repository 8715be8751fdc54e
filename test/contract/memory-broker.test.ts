import { MemoryBroker } from '../../src/brokers/memory.js';
import { describeBroker } from './broker.contract.js';

describeBroker('MemoryBroker', async () => {
  let broker = new MemoryBroker();
  return {
    broker,
    restart: async () => {
      await broker.close();
      broker = new MemoryBroker();
      await broker.start(() => {});
      return broker;
    },
    cleanup: () => broker.close(),
  };
}, { multiNode: false });
