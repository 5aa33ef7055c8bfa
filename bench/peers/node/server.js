// The Node reference receiver of `cargo xtask bench receivers`: what a Node user would write
// instead of our crates, the way Express's and Node's documentation recommend. The raw body
// (`express.raw`: the signature covers the exact bytes, so no JSON parser before it), the
// HMAC-SHA256 of it with `crypto.createHmac`, and `crypto.timingSafeEqual` against the header,
// after a length check (it throws on buffers of different lengths).
//
// The receiver contract of the examples (docs/DESIGN.md, "The receiver examples"):
// - env QISCUS_WEBHOOK_TOKEN (required), BIND (default 127.0.0.1:3000);
// - one line on stdout once listening: `listening on http://ADDR`;
// - POST /webhook: verify, then 200 {"bytes": <length>, "sha256": "<hex>"} of the raw body;
//   401 {"error": "missing_signature" | "signature_mismatch"}, 413 {"error": "body_too_large"};
// - POST /unverified: the same receipt with no verification: a benchmark baseline only.
'use strict';

const crypto = require('node:crypto');
const express = require('express');

const token = process.env.QISCUS_WEBHOOK_TOKEN;
if (!token) {
  console.error('error: QISCUS_WEBHOOK_TOKEN is not set');
  process.exit(2);
}
const bind = process.env.BIND || '127.0.0.1:3000';
const colon = bind.lastIndexOf(':');
const host = bind.slice(0, colon).replace(/^\[|\]$/g, '');
const port = Number(bind.slice(colon + 1));

// The same limit as our receivers' default (1 MiB); any content type, as Qiscus may vary it.
const rawBody = express.raw({ type: '*/*', limit: '1mb' });

function receipt(body) {
  return {
    bytes: body.length,
    sha256: crypto.createHash('sha256').update(body).digest('hex'),
  };
}

// `null` when the signature header is the HMAC-SHA256 of `body`, else the refusal's code.
function refusal(req, body) {
  const given = req.get('qiscus-sdk-signature');
  if (given === undefined) {
    return 'missing_signature';
  }
  const expected = Buffer.from(crypto.createHmac('sha256', token).update(body).digest('hex'));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected)) {
    return 'signature_mismatch';
  }
  return null;
}

// An empty body leaves `req.body` undefined.
function bodyOf(req) {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

const app = express();
app.disable('x-powered-by');

app.post('/webhook', rawBody, (req, res) => {
  const body = bodyOf(req);
  const error = refusal(req, body);
  if (error !== null) {
    res.status(401).json({ error });
    return;
  }
  res.json(receipt(body));
});

// Benchmark baseline only, NEVER for production: the same handler without verification.
app.post('/unverified', rawBody, (req, res) => {
  res.json(receipt(bodyOf(req)));
});

// Express's error handler answers in HTML: the refusals of body-parser as the contract's JSON.
app.use((err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const status = err.status || 500;
  const error = status === 413 ? 'body_too_large' : status === 400 ? 'invalid_body' : 'internal';
  res.status(status).json({ error });
});

const server = app.listen(port, host, () => {
  const { address, port: bound } = server.address();
  const shown = address.includes(':') ? `[${address}]` : address;
  console.log(`listening on http://${shown}:${bound}`);
});
server.on('error', (error) => {
  console.error(`error: cannot listen on ${bind}: ${error.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
