// A real Socket.IO server for SocketIoTest: `node server.js NAME` listens on an ephemeral loopback port,
// prints "LISTENING <port>", answers the "whoami" event with its NAME and the transport in use, and exits
// when its standard input closes (the test holds it open), so no process outlives the test.
'use strict';
const { createServer } = require('http');
const { Server } = require('socket.io');

const name = process.argv[2] || 'backend';
const httpServer = createServer();
const io = new Server(httpServer, { pingInterval: 2000, pingTimeout: 5000 });
io.on('connection', (socket) => {
  socket.on('whoami', (ack) => ack({ backend: name, transport: socket.conn.transport.name }));
});
httpServer.listen(0, '127.0.0.1', () => {
  console.log('LISTENING ' + httpServer.address().port);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(2), 5 * 60 * 1000).unref();
