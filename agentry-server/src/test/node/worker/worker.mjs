// The official TypeScript SDK's EnvironmentWorker, unchanged, with its default agent toolset,
// against an Agentry server: run by SelfHostedTypeScriptWorkerTest until it is killed or
// WORKER_RUN_MS passes.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({
  baseURL: process.env.AGENTRY_BASE_URL,
  apiKey: process.env.AGENTRY_API_KEY,
  maxRetries: 2,
});
const worker = client.beta.environments.work.worker({
  environmentId: process.env.AGENTRY_ENVIRONMENT_ID,
  environmentKey: process.env.AGENTRY_ENVIRONMENT_KEY,
  workdir: process.env.AGENTRY_WORKDIR,
  workerId: 'ts-sdk-worker',
  maxIdleMs: 3000,
});
const stop = AbortSignal.timeout(Number(process.env.WORKER_RUN_MS ?? 120000));
console.log('worker started');
await worker.run(stop);
console.log('worker stopped');
