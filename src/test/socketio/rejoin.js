// Socket.IO clients that come back through another proxy instance, for BalancerIT:
// `node rejoin.js FIRST_URL NEXT_URL COUNT` opens COUNT clients at once through FIRST_URL, each starting with HTTP
// long-polling and upgrading to WebSocket with a cookie jar (withCredentials, as a browser keeps cookies), asks
// "whoami" before and after the upgrade, and closes; then each opens a new Socket.IO connection through NEXT_URL
// sending the cookies its first connection got (as a browser would, to the same host), and asks again the same way.
// One line per client:
//   CLIENT <i> first=<b,b> next=<b,b> transports=<t,t,t,t> cookie=<name|none> error=<none|message>
// and the process exits 0 once every client is done (each connection gives up after 15 s).
'use strict';
const { io } = require('socket.io-client');

const [firstUrl, nextUrl, countText] = process.argv.slice(2);
const count = parseInt(countText || '4', 10);

// One Socket.IO connection: whoami before and after the upgrade; resolves with the answers and the jar's cookies.
function session(url, cookie) {
  return new Promise((resolve, reject) => {
    const answers = { backends: [], transports: [], cookies: [] };
    let done = false;
    const options = {
      transports: ['polling', 'websocket'],
      withCredentials: true,
      reconnection: false,
      forceNew: true,
      timeout: 10000,
    };
    if (cookie) options.extraHeaders = { cookie };
    const socket = io(url, options);
    const finish = (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const jar = socket.io.engine && socket.io.engine._cookieJar;
      if (jar) for (const [name, c] of jar.cookies) answers.cookies.push(`${name}=${c.value}`);
      socket.close();
      if (error) reject(new Error(String(error)));
      else resolve(answers);
    };
    const timer = setTimeout(() => finish('timeout'), 15000);
    const ask = (then) => socket.timeout(5000).emit('whoami', (err, answer) => {
      if (err) return finish('no_answer');
      answers.backends.push(answer.backend);
      answers.transports.push(answer.transport);
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

async function one(i) {
  let first = { backends: [], transports: [], cookies: [] };
  let next = { backends: [], transports: [], cookies: [] };
  let error = 'none';
  try {
    first = await session(firstUrl);
    next = await session(nextUrl, first.cookies.join('; '));
  } catch (e) {
    error = String(e.message).replace(/\s+/g, '_');
  }
  const cookie = first.cookies.length ? first.cookies.map((c) => c.split('=')[0]).join(',') : 'none';
  console.log(`CLIENT ${i} first=${first.backends.join(',')} next=${next.backends.join(',')} ` +
    `transports=${first.transports.concat(next.transports).join(',')} cookie=${cookie} error=${error}`);
}

Promise.all(Array.from({ length: count }, (_, i) => one(i))).then(() => process.exit(0));
