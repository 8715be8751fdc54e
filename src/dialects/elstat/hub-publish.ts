/**
 * What elstat publishes into the hub: each check's status and latency (snapshot channels, so a
 * new subscriber gets the last value first; notes §5.3) and each incident change (volatile).
 */
import type { Hub, Logger, RetentionPolicy } from '../../core/index.js';
import { INCIDENTS_HUB_CHANNEL, encodeData, encodeIncident, hubChannel, wireChannel } from './codec.js';
import type { ElstatService } from './config.js';
import type { IncidentOp } from './incidents-api.js';
import type { Incident } from './incidents.js';
import type { CheckRecord } from './service-history.js';

/** Status and latency channels keep only the last value: it is the snapshot a subscriber gets first. */
const VALUE_RETENTION: RetentionPolicy = { maxMessages: 1, maxBytes: 4096, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
const INCIDENT_RETENTION: RetentionPolicy = { maxMessages: 1, maxBytes: 1, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };

/** The prober's `onCheck`: one status and one latency message per check. */
export function checkPublisher(hub: Hub): (service: ElstatService, record: CheckRecord) => Promise<void> {
  return async (service, record) => {
    const status = wireChannel('status', service.name);
    const latency = wireChannel('latency', service.name);
    await hub.publish(hubChannel(status), encodeData(status, record.time, record.status), { kind: 'snapshot', retention: VALUE_RETENTION });
    await hub.publish(hubChannel(latency), encodeData(latency, record.time, record.latency), { kind: 'snapshot', retention: VALUE_RETENTION });
  };
}

/** The incidents API's `broadcast`: a failed publish is logged, never thrown at the API's caller. */
export function incidentBroadcaster(hub: Hub, log: Logger): (op: IncidentOp, incident: Incident) => void {
  return (op, incident) => {
    hub.publish(INCIDENTS_HUB_CHANNEL, encodeIncident(op, incident), { kind: 'volatile', retention: INCIDENT_RETENTION }).catch((err: Error) => {
      log.warn({ err: err.message }, 'elstat incident broadcast failed');
    });
  };
}
