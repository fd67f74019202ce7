using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Anthropic;
using Tokenwise.Metering;
using Tokenwise.Streams;
using static Tokenwise.Providers.Translation.OpenAIAnswerWriter;
using static Tokenwise.Providers.Translation.OpenAIToAnthropic.OpenAIFromAnthropic;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.OpenAIToAnthropic;

/// <summary>
/// Translates Anthropic's stream into OpenAI <c>chat.completion.chunk</c> events as each event arrives:
/// <c>message_start</c> → the role chunk; text deltas → content chunks; a <c>tool_use</c> block → a
/// tool-call chunk with its index, id and name, and each <c>input_json_delta</c> → an arguments
/// fragment; <c>message_delta</c> → the finish chunk; <c>message_stop</c> → the usage chunk (empty
/// choices, hidden by the endpoint from clients that did not ask) and <c>[DONE]</c>; <c>error</c> → an
/// OpenAI error event. Thinking is reasoning, not content: its deltas and pings become SSE comments,
/// which clients ignore but which keep the gateway's idle timeout from firing while Claude thinks. The web search tool's own
/// blocks are left out (the searches are metered); a text block's web citations (<c>citations_delta</c>) become one chunk of
/// <c>annotations</c> over that block's text once the block ends (<c>content_block_stop</c>).
/// </summary>
internal sealed class ChunksFromAnthropicStream(string model, long created) : IStreamTranslator
{
    private readonly AnthropicStreamMeter _meter = new(); // the native usage, read as the native endpoint reads it
    private readonly Dictionary<int, int> _toolCallIndexByBlock = [];
    private int _textLength;
    // Anthropic streams one block at a time (start, deltas, stop): the open text block's first character, and its citations.
    private int _textBlockStart;
    private List<JsonNode?>? _citations;
    private string _id = "";
    private string _model = model;

    public TokenUsage? ReportedUsage => _meter is { HasInputUsage: true, HasFinalUsage: true } ? _meter.Usage.ToTokenUsage() : null;

    /// <summary>The prompt side from <c>message_start</c> (and the output counted so far), for a stream cut short after it.</summary>
    public TokenUsage? PartialUsage => _meter.HasInputUsage ? _meter.Usage.ToTokenUsage() : null;

    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        _meter.Inspect(data);
        JsonObject? anthropicEvent;
        try
        {
            anthropicEvent = JsonNode.Parse(data) as JsonObject;
        }
        catch (JsonException)
        {
            anthropicEvent = null;
        }

        if (anthropicEvent is null)
        {
            WriteErrorEvent(output, new Pipeline.GatewayError(502, "server_error", "upstream_invalid_event", "Anthropic sent a stream event that is not JSON."));
            return;
        }

        switch (Str(anthropicEvent["type"]))
        {
            case "message_start":
                _id = Str(Member(anthropicEvent["message"], "id")) ?? "";
                _model = Str(Member(anthropicEvent["message"], "model")) ?? _model;
                Chunk(output, w =>
                {
                    w.WriteString("role", "assistant");
                    w.WriteString("content", "");
                }, finishReason: null);
                break;
            case "content_block_start":
                BlockStart(anthropicEvent, output);
                break;
            case "content_block_delta":
                BlockDelta(anthropicEvent, output);
                break;
            case "content_block_stop" when _citations is not null:
                var citations = WebCitations(_citations, _textBlockStart, _textLength).ToList();
                _citations = null;
                if (citations.Count > 0)
                {
                    Chunk(output, w => WriteAnnotations(w, citations), finishReason: null);
                }

                break;
            case "message_delta" when Str(Member(anthropicEvent["delta"], "stop_reason")) is { } stopReason:
                Chunk(output, _ => { }, FinishReason(stopReason));
                break;
            case "message_stop":
                WriteUsageChunk(output, _id, created, _model, _meter.Usage.ToTokenUsage());
                WriteDone(output);
                break;
            case "ping":
                KeepAlive(output);
                break;
            case "error":
                WriteErrorEvent(output, Error(500, data));
                break;
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        // Everything OpenAI clients expect at the end was sent at message_stop; a stream that ended
        // without it was cut short, and the client sees it end without [DONE].
    }

    private void BlockStart(JsonObject anthropicEvent, IBufferWriter<byte> output)
    {
        var block = anthropicEvent["content_block"];
        switch (Str(Member(block, "type")))
        {
            case "text":
                _textBlockStart = _textLength;
                _citations = Member(block, "citations") is JsonArray { Count: > 0 } cited ? [.. cited.Select(c => c?.DeepClone())] : null;
                if (Str(block!["text"]) is { Length: > 0 } text)
                {
                    Text(output, text);
                }

                break;
            case "tool_use":
                var index = _toolCallIndexByBlock.Count;
                _toolCallIndexByBlock[BlockIndex(anthropicEvent)] = index;
                Chunk(output, w => ToolCall(w, index, w =>
                {
                    w.WriteString("id", Str(block!["id"]));
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", Str(block["name"]));
                    w.WriteString("arguments", "");
                    w.WriteEndObject();
                }), finishReason: null);
                break;
            case "thinking" or "redacted_thinking":
                KeepAlive(output);
                break;
        }
    }

    private void BlockDelta(JsonObject anthropicEvent, IBufferWriter<byte> output)
    {
        var delta = anthropicEvent["delta"];
        switch (Str(Member(delta, "type")))
        {
            case "text_delta" when Str(delta!["text"]) is { Length: > 0 } text:
                Text(output, text);
                break;
            case "citations_delta":
                (_citations ??= []).Add(Member(delta, "citation")?.DeepClone());
                break;
            case "input_json_delta" when Str(delta!["partial_json"]) is { Length: > 0 } json
                && _toolCallIndexByBlock.TryGetValue(BlockIndex(anthropicEvent), out var index):
                Chunk(output, w => ToolCall(w, index, w =>
                {
                    w.WriteStartObject("function");
                    w.WriteString("arguments", json);
                    w.WriteEndObject();
                }), finishReason: null);
                break;
            case "thinking_delta" or "signature_delta":
                KeepAlive(output);
                break;
        }
    }

    private void Text(IBufferWriter<byte> output, string text)
    {
        _textLength += text.Length;
        Chunk(output, w => w.WriteString("content", text), finishReason: null);
    }

    private static int BlockIndex(JsonObject anthropicEvent) => anthropicEvent["index"] is JsonValue v && v.TryGetValue<int>(out var i) ? i : -1;

    private static void ToolCall(Utf8JsonWriter w, int index, Action<Utf8JsonWriter> writeMembers)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        writeMembers(w);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private void Chunk(IBufferWriter<byte> output, Action<Utf8JsonWriter> writeDelta, string? finishReason) =>
        WriteChunk(output, _id, created, _model, writeDelta, finishReason);

    private static void KeepAlive(IBufferWriter<byte> output) => output.Write(": keep-alive\n\n"u8);
}
