// A Node.js HTTP server and client written the way Node's documentation shows, no packages.
//
//   node node_http.js serve [PORT [HOST]]  server.listen(PORT), default 8080. With no host Node makes one
//                                           dual-stack AF_INET6 socket bound to [::] (IPV6_V6ONLY=0);
//                                           HOST '0.0.0.0' makes an AF_INET socket instead. Every request
//                                           is answered with req.socket.remoteAddress.
//   node node_http.js get URL              http.get(URL) (names through getaddrinfo), prints the body.
'use strict';
const http = require('http');

const [mode, first, second] = process.argv.slice(2);
if (mode === 'get') {
  http.get(first, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk) => process.stdout.write(chunk));
  }).on('error', (err) => {
    console.error('get:', err.message);
    process.exit(1);
  });
} else {
  const port = Number(first || 8080);
  const server = http.createServer((req, res) => {
    res.end(`hello from node\nremote ${req.socket.remoteAddress}\n`);
  });
  const onListening = () => console.log('listening on', JSON.stringify(server.address()));
  if (second) {
    server.listen(port, second, onListening);
  } else {
    server.listen(port, onListening);
  }
}
