// The official `@anthropic-ai/sdk` npm package against a model served by an OpenAI provider: the
// gateway translates the Messages API to chat completions and back (see NodeSdkTests.cs, which starts
// the gateway with the tests' fake OpenAI upstream and runs this file). Run by hand with:
//   TOKENWISE_ROOT_URL=http://127.0.0.1:PORT node --test anthropic-sdk-translated.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const baseURL = process.env.TOKENWISE_ROOT_URL;
if (!baseURL) {
  throw new Error('Set TOKENWISE_ROOT_URL to the gateway\'s root URL (Anthropic base URL), e.g. http://127.0.0.1:8080');
}

const client = new Anthropic({ baseURL, apiKey: 'sk-ant-client', timeout: 30_000, maxRetries: 0 });
const model = 'openai/gpt-4o-mini';
const weatherTool = {
  name: 'get_weather',
  description: 'The current weather in a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

test('non-streaming message from an OpenAI model has text, stop reason and usage', async () => {
  const message = await client.messages.create({
    model,
    max_tokens: 128,
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'Say hello from node, translated' }],
  });

  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.stop_reason, 'end_turn');
  assert.ok(message.content[0].text.length > 0);
  assert.ok(message.usage.input_tokens > 0);
  assert.ok(message.usage.output_tokens > 0);
});

test('streaming message from an OpenAI model: Anthropic events in order', async () => {
  const stream = client.messages.stream({
    model,
    max_tokens: 128,
    messages: [{ role: 'user', content: 'Stream something, translated #fake:cached-reasoning' }],
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
  assert.ok(types.includes('content_block_start') && types.includes('content_block_stop') && types.includes('message_delta'));
  assert.ok(text.length > 0);
  assert.equal(final.content[0].text, text);
  assert.ok(final.usage.output_tokens > 0);
  assert.ok(final.usage.cache_read_input_tokens > 0);
});

for (const streamed of [false, true]) {
  test(`a tool call round-trips through the translation (${streamed ? 'streamed' : 'not streamed'})`, async () => {
    const question = { role: 'user', content: `#fake:tool What is the weather in Paris? (${streamed})` };
    const request = { model, max_tokens: 256, tools: [weatherTool], messages: [question] };
    const first = streamed ? await client.messages.stream(request).finalMessage() : await client.messages.create(request);

    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(call.input, { city: 'Paris' });

    const second = await client.messages.create({
      model,
      max_tokens: 256,
      tools: [weatherTool],
      messages: [
        question,
        { role: 'assistant', content: [call] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18 degrees and sunny' }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.match(second.content[0].text, /18 degrees and sunny/);
  });
}

test('an OpenAI 429 arrives as the Anthropic SDK\'s RateLimitError, with retry-after', async () => {
  await assert.rejects(
    client.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: '#fake:err-429 hi' }] }),
    (error) => {
      assert.ok(error instanceof Anthropic.RateLimitError, `expected RateLimitError, got ${error?.constructor?.name}`);
      assert.equal(error.status, 429);
      assert.equal(error.error?.type, 'error');
      assert.equal(error.error?.error?.type, 'rate_limit_error');
      assert.ok(error.headers.get('retry-after'));
      return true;
    },
  );
});
