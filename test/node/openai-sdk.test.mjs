// The official `openai` npm package, unchanged but for its base URL, against a running Tokenwise
// gateway whose `openai` provider is the tests' fake upstream (see NodeSdkTests.cs, which starts both
// and runs this file). Run by hand with:
//   TOKENWISE_BASE_URL=http://127.0.0.1:PORT/v1 node --test openai-sdk.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.TOKENWISE_BASE_URL;
if (!baseURL) {
  throw new Error('Set TOKENWISE_BASE_URL to the gateway\'s OpenAI base URL, e.g. http://127.0.0.1:8080/v1');
}

const client = new OpenAI({ baseURL, apiKey: 'sk-client', timeout: 30_000 });
// Errors must surface at once, not after the SDK's retries (429 and 5xx are retried by default).
const noRetry = new OpenAI({ baseURL, apiKey: 'sk-client', timeout: 30_000, maxRetries: 0 });
const model = 'gpt-4o-mini';

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  return chunks;
}

const text = (chunks) => chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

test('non-streaming chat completion has content and usage', async () => {
  const completion = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Say hello' }],
  });

  assert.equal(completion.object, 'chat.completion');
  assert.ok(completion.choices[0].message.content.length > 0, 'content is empty');
  assert.ok(completion.usage, 'usage is missing');
  assert.ok(completion.usage.prompt_tokens > 0);
  assert.ok(completion.usage.completion_tokens > 0);
  assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
});

test('streaming chat completion without include_usage never shows an empty choices array', async () => {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Tell me a short story' }],
    stream: true,
  });
  const chunks = await collect(stream);

  assert.ok(chunks.length >= 2, `only ${chunks.length} chunks`);
  assert.ok(text(chunks).length > 0, 'no content was streamed');
  for (const [i, chunk] of chunks.entries()) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.ok(chunk.choices.length > 0, `chunk ${i} has an empty choices array, though the client did not ask for usage: ${JSON.stringify(chunk)}`);
    assert.ok(!chunk.usage, `chunk ${i} carries usage the client did not ask for: ${JSON.stringify(chunk)}`);
  }
  assert.ok(chunks.at(-1).choices[0].finish_reason, 'the last chunk has no finish_reason');
});

test('streaming chat completion with include_usage ends with a usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Tell me a short story' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = await collect(stream);

  assert.ok(text(chunks).length > 0, 'no content was streamed');
  const last = chunks.at(-1);
  assert.ok(last.usage, `the last chunk has no usage: ${JSON.stringify(last)}`);
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage.prompt_tokens > 0);
  assert.ok(last.usage.completion_tokens > 0);
  for (const chunk of chunks.slice(0, -1)) {
    assert.ok(!chunk.usage, `usage before the last chunk: ${JSON.stringify(chunk)}`);
  }
});

test('embeddings', async () => {
  const result = await client.embeddings.create({
    model: 'text-embedding-3-small',
    input: ['hello world', 'goodbye'],
  });

  assert.equal(result.object, 'list');
  assert.equal(result.data.length, 2);
  for (const [i, item] of result.data.entries()) {
    assert.equal(item.index, i);
    // The SDK asks for base64 and decodes it to floats; a wrong encoding shows up here.
    assert.ok(Array.isArray(item.embedding) && item.embedding.length > 0, `embedding ${i} is not a float array`);
    assert.ok(item.embedding.every((x) => Number.isFinite(x)), `embedding ${i} has a non-finite value`);
  }
  assert.ok(result.usage.prompt_tokens > 0);
});

test('an unknown model rejects with NotFoundError (404, model_not_found)', async () => {
  await assert.rejects(
    noRetry.chat.completions.create({ model: 'no-such-model-xyz', messages: [{ role: 'user', content: 'Hi' }] }),
    (error) => {
      assert.ok(error instanceof OpenAI.NotFoundError, `expected NotFoundError, got ${error?.constructor?.name}: ${error}`);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'model_not_found');
      return true;
    },
  );
});

test('an upstream 429 rejects with RateLimitError', async () => {
  await assert.rejects(
    noRetry.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi #fake:err-429' }] }),
    (error) => {
      assert.ok(error instanceof OpenAI.RateLimitError, `expected RateLimitError, got ${error?.constructor?.name}: ${error}`);
      assert.equal(error.status, 429);
      assert.equal(error.code, 'rate_limit_exceeded');
      return true;
    },
  );
});
