// The official `@anthropic-ai/sdk` npm package, unchanged but for its base URL, against a running
// Tokenwise gateway whose `anthropic` provider is the tests' fake Anthropic upstream (see
// NodeSdkTests.cs, which starts both and runs this file). Run by hand with:
//   TOKENWISE_ROOT_URL=http://127.0.0.1:PORT node --test anthropic-sdk.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const baseURL = process.env.TOKENWISE_ROOT_URL;
if (!baseURL) {
  throw new Error('Set TOKENWISE_ROOT_URL to the gateway\'s root URL (Anthropic base URL), e.g. http://127.0.0.1:8080');
}

// Errors must surface at once, not after the SDK's retries.
const client = new Anthropic({ baseURL, apiKey: 'sk-ant-client', timeout: 30_000, maxRetries: 0 });
const model = 'claude-haiku-4-5';
const weatherTool = {
  name: 'get_weather',
  description: 'The current weather in a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

test('non-streaming message has text and usage', async () => {
  const message = await client.messages.create({
    model,
    max_tokens: 128,
    messages: [{ role: 'user', content: 'Say hello from node' }],
  });

  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.stop_reason, 'end_turn');
  assert.match(message.content[0].text, /Say hello from node/);
  assert.ok(message.usage.input_tokens > 0);
  assert.ok(message.usage.output_tokens > 0);
});

test('streaming message: events in order, text deltas, final usage', async () => {
  const stream = client.messages.stream({
    model,
    max_tokens: 128,
    messages: [{ role: 'user', content: 'Stream something #fake:cache' }],
  });
  const types = [];
  let text = '';
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      text += event.delta.text;
    }
  }
  const final = await stream.finalMessage();

  assert.equal(types[0], 'message_start');
  assert.equal(types.at(-1), 'message_stop');
  assert.ok(types.includes('message_delta'));
  assert.match(text, /Stream something/);
  assert.equal(final.content[0].text, text);
  assert.equal(final.usage.cache_read_input_tokens, 2048);
  assert.equal(final.usage.cache_creation_input_tokens, 512);
  assert.ok(final.usage.output_tokens > 1);
});

test('a tool call round-trips: tool_use, then tool_result, then an answer', async () => {
  const question = { role: 'user', content: '#fake:tool What is the weather in Paris?' };
  const first = await client.messages.create({ model, max_tokens: 128, tools: [weatherTool], messages: [question] });

  assert.equal(first.stop_reason, 'tool_use');
  const call = first.content.find((block) => block.type === 'tool_use');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(call.input, { city: 'Paris' });

  // The same call streamed: the tool input arrives as input_json_delta and is assembled by the SDK.
  const streamed = await client.messages.stream({ model, max_tokens: 128, tools: [weatherTool], messages: [question] }).finalMessage();
  assert.deepEqual(streamed.content.find((block) => block.type === 'tool_use').input, { city: 'Paris' });

  const second = await client.messages.create({
    model,
    max_tokens: 128,
    tools: [weatherTool],
    messages: [
      question,
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18 degrees and sunny' }] },
    ],
  });
  assert.equal(second.stop_reason, 'end_turn');
  assert.match(second.content[0].text, /18 degrees and sunny/);
});

test('count_tokens', async () => {
  const count = await client.messages.countTokens({ model, messages: [{ role: 'user', content: 'Count me' }] });
  assert.ok(count.input_tokens > 0);
});

test('an unknown model rejects with NotFoundError in Anthropic\'s error shape', async () => {
  await assert.rejects(
    client.messages.create({ model: 'claude-no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }),
    (error) => {
      assert.ok(error instanceof Anthropic.NotFoundError, `expected NotFoundError, got ${error?.constructor?.name}: ${error}`);
      assert.equal(error.status, 404);
      assert.equal(error.error.type, 'error');
      assert.equal(error.error.error.type, 'not_found_error');
      return true;
    },
  );
});

test('an upstream 429 rejects with RateLimitError', async () => {
  await assert.rejects(
    client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Hi #fake:err-429' }] }),
    (error) => {
      assert.ok(error instanceof Anthropic.RateLimitError, `expected RateLimitError, got ${error?.constructor?.name}: ${error}`);
      assert.equal(error.status, 429);
      assert.equal(error.headers.get('retry-after'), '7');
      return true;
    },
  );
});
