// Drives /v1/files through the official TypeScript SDK, unchanged: upload, list (all, by scope, by
// ids, paged), retrieve, download, delete, and the 404 after it. Prints one JSON line of what it saw;
// FilesTypeScriptSdkTest checks it. Exits non-zero on any failure.
import Anthropic, { toFile, NotFoundError } from '@anthropic-ai/sdk';

const client = new Anthropic({
  baseURL: process.env.AGENTRY_BASE_URL,
  apiKey: process.env.AGENTRY_API_KEY,
  maxRetries: 0,
});
const betas = ['files-api-2025-04-14'];

const bytes = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) % 256);
const uploaded = await client.beta.files.upload({
  file: await toFile(bytes, 'data/report.bin', { type: 'application/x-test' }),
  expires_in_seconds: 7200,
  betas,
});
const second = await client.beta.files.upload({
  file: await toFile(Buffer.from('second file'), 'second.txt', { type: 'text/plain' }),
  betas,
});
const retrieved = await client.beta.files.retrieveMetadata(uploaded.id, { betas });
const pagedIds = [];
for await (const f of client.beta.files.list({ limit: 1, betas })) {
  pagedIds.push(f.id);
}
const byIds = await client.beta.files.list({ ids: [uploaded.id], betas });
const response = await client.beta.files.download(uploaded.id, { betas });
const downloaded = new Uint8Array(await response.arrayBuffer());
const same = downloaded.length === bytes.length && downloaded.every((b, i) => b === bytes[i]);
const deleted = await client.beta.files.delete(uploaded.id, { betas });
let afterDelete = 'found';
try {
  await client.beta.files.retrieveMetadata(uploaded.id, { betas });
} catch (e) {
  afterDelete = e instanceof NotFoundError ? 'not_found' : String(e);
}
await client.beta.files.delete(second.id, { betas });

console.log(
  JSON.stringify({
    uploaded,
    retrieved,
    secondId: second.id,
    pagedIds,
    byIds: byIds.data.map((f) => f.id),
    contentType: response.headers.get('content-type'),
    downloadedBytes: downloaded.length,
    same,
    deleted,
    afterDelete,
  }),
);
