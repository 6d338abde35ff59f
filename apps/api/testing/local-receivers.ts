/**
 * Stand-ins for what notifications reach, on loopback: an HTTP receiver for the
 * robots' and hospitals' webhooks (it records each JSON request and answers as the
 * test says) and an SMTP server that keeps every mail it is given.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedRequest {
  path: string;
  query: URLSearchParams;
  body: any;
}

/** What the receiver answers: a status and a JSON body, or a redirect. */
export type ReceiverAnswer = { status?: number; json?: unknown } | { redirect: string };

/** Answers 200 `{"errcode":0,"errmsg":"ok"}` (how WeCom and DingTalk say yes) unless `answer` says otherwise. */
export async function startWebhookReceiver(answer: (r: ReceivedRequest) => ReceiverAnswer = () => ({})) {
  const requests: (ReceivedRequest & { status: number })[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, 'http://receiver');
    const received = { path: url.pathname, query: url.searchParams, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') };
    const a = answer(received);
    if ('redirect' in a) {
      res.writeHead(307, { location: a.redirect }).end();
      return;
    }
    const status = a.status ?? 200;
    requests.push({ ...received, status });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(a.json ?? { errcode: 0, errmsg: 'ok' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** An SMTP server without TLS or authentication that keeps what it is sent. */
export async function startMailbox() {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
