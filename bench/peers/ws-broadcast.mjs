/**
 * Peer: a naive `ws` broadcast server, as most hand-written fan-out servers look (issue #8).
 * Subscribers connect to `/sub`; one publisher connects to `/pub` and every text frame it sends is
 * written to every subscriber with `for (const c of clients) c.send(msg)`: one send, so one
 * write() per message per subscriber. Listens on 127.0.0.1, port from argv[2] (0 = any free
 * port), and prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const server = createServer((_req, res) => res.writeHead(404).end());
const subs = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const pubs = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const clients = new Set();

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  if (req.url === '/sub') {
    subs.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('error', () => {});
      ws.on('close', () => clients.delete(ws));
    });
  } else if (req.url === '/pub') {
    pubs.handleUpgrade(req, socket, head, (ws) => {
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
