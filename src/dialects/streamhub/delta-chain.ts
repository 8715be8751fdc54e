/**
 * Delta compression of one subscription (PROTOCOL.md §17, opt-in with `"delta":"fossil"`): each
 * JSON publication after the first goes as a Fossil delta against the previous JSON text this
 * subscriber got, when that is smaller. Subscribers of a channel in step share the previous
 * message, so a delta is computed once per message, not once per subscriber.
 */
import type { Message } from '../../core/index.js';
import { encodePub, encodePubDelta, encodePubJson, payloadJsonText } from './codec.js';
import { createDelta } from './fossil-delta.js';

interface JsonPayload {
  readonly text: string;
  readonly bytes: Buffer;
}

const jsonOf = new WeakMap<Message, JsonPayload | null>();
const deltaOf = new WeakMap<Message, { readonly prev: Message; readonly frame: Buffer }>();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function json(msg: Message): JsonPayload | null {
  let value = jsonOf.get(msg);
  if (value === undefined) {
    const text = payloadJsonText(msg.channel, msg.payload);
    value = text === null ? null : { text, bytes: Buffer.from(text, 'utf8') };
    jsonOf.set(msg, value);
  }
  return value;
}

export class DeltaChain {
  #prev: Message | null = null;

  /** After a `gap` the next publication is sent in full. */
  reset(): void {
    this.#prev = null;
  }

  /** The pub frame of `msg` for this subscriber, advancing the chain. */
  frame(msg: Message): Buffer {
    const payload = json(msg);
    if (payload === null) {
      this.#prev = null;
      return encodePub(msg);
    }
    const prev = this.#prev;
    this.#prev = msg;
    const prevPayload = prev ? json(prev) : null;
    if (!prev || !prevPayload) return encodePubJson(msg, payload.text);
    const cached = deltaOf.get(msg);
    if (cached && cached.prev === prev) return cached.frame;
    const delta = createDelta(prevPayload.bytes, payload.bytes);
    let frame: Buffer;
    try {
      // createDelta keeps inserts to whole characters, so this holds; checked rather than trusted.
      frame = delta.length < payload.bytes.length ? encodePubDelta(msg, strictUtf8.decode(delta)) : encodePubJson(msg, payload.text);
    } catch {
      frame = encodePubJson(msg, payload.text);
    }
    deltaOf.set(msg, { prev, frame });
    return frame;
  }
}
