'use strict';
// The Express server of the platform's custom-runtime documentation, with its /invoke
// doing the hello function's work: parse {"key": ...}, answer "hello, <key>!" as JSON,
// log the FC Invoke Start/End lines.
const express = require('express');

const PORT = Number(process.env.FC_CUSTOM_LISTEN_PORT || process.env.FC_SERVER_PORT || 9000);
const HOST = '0.0.0.0';
const app = express();

// initialize example, need config Initializer in function meta
app.post('/initialize', (req, res) => {
  res.send('Hello FunctionCompute, /initialize\n');
});

// Event function invocation: the platform sends the event as application/octet-stream.
app.post('/invoke', express.raw({ type: () => true, limit: '32mb' }), (req, res) => {
  const rid = req.headers['x-fc-request-id'] || '';
  console.log(`FC Invoke Start RequestId: ${rid}`);
  let status = 200;
  let reply;
  try {
    const event = JSON.parse(req.body);
    reply = JSON.stringify(`hello, ${event.key}!`);
  } catch (e) {
    status = 404;
    reply = JSON.stringify({ errorMessage: String(e), errorType: e.name });
  }
  console.log(`FC Invoke End RequestId: ${rid}`);
  res.status(status).set({ 'x-fc-status': String(status), 'content-type': 'application/json' }).send(reply);
});

const server = app.listen(PORT, HOST);
console.log(`Running on http://${HOST}:${PORT}`);
server.timeout = 0; // never timeout
server.keepAliveTimeout = 0; // keepalive, never timeout
