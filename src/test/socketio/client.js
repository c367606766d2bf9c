// A real Socket.IO client for SocketIoTest: `node client.js URL COUNT COOKIES` opens COUNT clients at once,
// each starting with HTTP long-polling and upgrading to WebSocket (Socket.IO's default), with a cookie jar
// when COOKIES is "true" (withCredentials, as a browser keeps cookies). Each client asks "whoami" once
// before and once after the upgrade, then prints one line:
//   CLIENT <i> backends=<b,b> transports=<t,t> error=<none|message>
// and the process exits 0 once every client is done (a client gives up after 15 s).
'use strict';
const { io } = require('socket.io-client');

const [url, countText, cookies] = process.argv.slice(2);
const count = parseInt(countText || '4', 10);

function one(i) {
  return new Promise((resolve) => {
    const result = { backends: [], transports: [], error: 'none' };
    let done = false;
    const socket = io(url, {
      transports: ['polling', 'websocket'],
      withCredentials: cookies === 'true',
      reconnection: false,
      forceNew: true,
      timeout: 10000,
    });
    const finish = (error) => {
      if (done) return;
      done = true;
      if (error) result.error = String(error).replace(/\s+/g, '_');
      clearTimeout(timer);
      socket.close();
      console.log(`CLIENT ${i} backends=${result.backends.join(',')} transports=${result.transports.join(',')} error=${result.error}`);
      resolve();
    };
    const timer = setTimeout(() => finish('timeout'), 15000);
    const ask = (then) => socket.timeout(5000).emit('whoami', (err, answer) => {
      if (err) return finish('no_answer');
      result.backends.push(answer.backend);
      result.transports.push(answer.transport);
      then();
    });
    socket.on('connect', () => {
      ask(() => {
        const engine = socket.io.engine;
        if (engine.transport.name === 'websocket') ask(() => finish());
        else engine.once('upgrade', () => ask(() => finish()));
      });
    });
    socket.on('connect_error', (e) => finish('connect_error:' + e.message));
    socket.on('disconnect', (reason) => finish('disconnect:' + reason));
  });
}

Promise.all(Array.from({ length: count }, (_, i) => one(i))).then(() => process.exit(0));
