/**
 * Peer: a naive `ws` broadcast server, as most hand-written fan-out servers look (issue #8).
 * Subscribers connect to `/sub` (or `/sub/<channel>`, bench S2); a publisher connects to `/pub`
 * (or `/pub/<channel>`) and every text frame it sends is written to every subscriber of that
 * channel with `for (const c of clients) c.send(msg)`: one send, so one write() per message per
 * subscriber. Listens on 127.0.0.1, port from argv[2] (0 = any free
 * port), and prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const server = createServer((_req, res) => res.writeHead(404).end());
const subs = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const pubs = new WebSocketServer({ noServer: true, perMessageDeflate: false });
/** channel ('' for the plain `/sub`) → its subscribers */
const channels = new Map();
const CHANNEL = /^\/(sub|pub)(?:\/([A-Za-z0-9_-]{1,128}))?$/;

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  const m = CHANNEL.exec(req.url ?? '');
  const channel = m?.[2] ?? '';
  if (!channels.has(channel) && m) channels.set(channel, new Set());
  if (m?.[1] === 'sub') {
    subs.handleUpgrade(req, socket, head, (ws) => {
      const clients = channels.get(channel);
      clients.add(ws);
      ws.on('error', () => {});
      ws.on('close', () => clients.delete(ws));
    });
  } else if (m?.[1] === 'pub') {
    pubs.handleUpgrade(req, socket, head, (ws) => {
      const clients = channels.get(channel);
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => {
        const msg = isBinary ? data : data.toString();
        for (const c of clients) c.send(msg);
      });
    });
  } else {
    socket.destroy();
  }
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
