import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkedLookup, webhookAddressRefusal, WebhookTargetRefused } from './webhook-address';

/** What a receiver answered: its status and the start of its body (robots answer errors with 200 and a code). */
export interface HttpAnswer {
  status: number;
  body: string;
}

const MAX_BODY = 64 * 1024;

/**
 * POSTs JSON to a webhook: only http(s), only to addresses webhookAddressRefusal
 * allows, never following a redirect (the answer is returned as it is), within
 * `timeoutMs` for the whole exchange.
 */
export function postJson(
  url: URL,
  payload: unknown,
  options: { timeoutMs: number; allow: readonly string[] },
): Promise<HttpAnswer> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.reject(new Error(`${url.protocol} URLs are not webhooks`));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) {
    // Node connects to a literal address without a lookup: checked here instead.
    const refusal = webhookAddressRefusal(host, options.allow);
    if (refusal) return Promise.reject(new WebhookTargetRefused(refusal));
  }
  const body = Buffer.from(JSON.stringify(payload));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
        'user-agent': 'wakeward-alerts',
      },
      lookup: checkedLookup(options.allow) as never,
      agent: false,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    req.on('error', (err) =>
      reject(
        err.name === 'AbortError' || err.name === 'TimeoutError'
          ? new Error(`no answer within ${options.timeoutMs} ms`)
          : err,
      ),
    );
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) }),
      );
      res.on('error', reject);
    });
    req.end(body);
  });
}
