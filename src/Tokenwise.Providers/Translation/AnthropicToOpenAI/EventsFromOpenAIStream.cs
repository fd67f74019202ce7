using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Streams;
using static Tokenwise.Providers.Translation.AnthropicToOpenAI.AnthropicFromOpenAI;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.AnthropicToOpenAI;

/// <summary>
/// Translates an OpenAI chunk stream into Anthropic's events as each chunk arrives: the first chunk →
/// <c>message_start</c> (OpenAI reports the prompt's tokens only at the end, so its usage is 0 there);
/// content → a text block's <c>content_block_start</c> and <c>text_delta</c>s; each tool call → a
/// <c>tool_use</c> block whose argument fragments become <c>input_json_delta</c>s; a new kind of
/// content closes the open block (<c>content_block_stop</c>). <c>[DONE]</c> → <c>message_delta</c> with
/// the stop reason and the whole usage (from the usage chunk), then <c>message_stop</c>. An error
/// event → Anthropic's <c>error</c> event.
/// </summary>
internal sealed class EventsFromOpenAIStream(string model) : IStreamTranslator
{
    private readonly OpenAIStreamMeter _meter = new(clientRequestedUsage: true); // the native usage, read as the native endpoint reads it
    private readonly Dictionary<int, int> _blockByToolCall = [];
    private bool _started;
    private bool _stopped;
    private int _blocks;
    private int? _openBlock;
    private bool _openBlockIsText;
    private string? _finishReason;

    public TokenUsage? ReportedUsage => _meter.HasUsage ? _meter.Usage : null;

    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        _meter.Inspect(data);
        if (data.SequenceEqual("[DONE]"u8))
        {
            Finish(output);
            return;
        }

        JsonObject? chunk;
        try
        {
            chunk = JsonNode.Parse(data) as JsonObject;
        }
        catch (JsonException)
        {
            chunk = null;
        }

        if (chunk is null || chunk["error"] is not null)
        {
            var error = chunk is null ? new Pipeline.GatewayError(502, "api_error", null, "The provider sent a stream event that is not JSON.") : Error(500, data);
            Event(output, "error"u8, w =>
            {
                w.WriteString("type", "error");
                w.WriteStartObject("error");
                w.WriteString("type", global::Tokenwise.Anthropic.AnthropicErrorBody.TypeFor(error.Status));
                w.WriteString("message", error.Message);
                w.WriteEndObject();
            });
            return;
        }

        Start(chunk, output);
        var choice = (chunk["choices"] as JsonArray)?.FirstOrDefault();
        var delta = Member(choice, "delta");
        var calls = (Member(delta, "tool_calls") as JsonArray ?? []).OfType<JsonObject>().ToList();
        var text = Str(Member(delta, "content")) ?? Str(Member(delta, "refusal"));
        if (string.IsNullOrEmpty(text) && calls.Count == 0 && (Str(Member(delta, "reasoning_content")) ?? Str(Member(delta, "reasoning"))) is { Length: > 0 })
        {
            // A reasoning model thinking (DeepSeek, vLLM, OpenRouter): Anthropic's thinking blocks need a
            // signature this cannot give, so the reasoning is not relayed, but a comment per chunk keeps
            // the gateway's idle timeout (and any proxy's) from ending a stream whose upstream is busy.
            output.Write(": keep-alive\n\n"u8);
        }

        if (text is { Length: > 0 })
        {
            if (_openBlock is null || !_openBlockIsText)
            {
                OpenBlock(output, isText: true, w =>
                {
                    w.WriteString("type", "text");
                    w.WriteString("text", "");
                });
            }

            BlockDelta(output, _openBlock!.Value, "text_delta", "text", text);
        }

        foreach (var call in calls)
        {
            var index = call["index"] is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;
            if (!_blockByToolCall.TryGetValue(index, out var block))
            {
                OpenBlock(output, isText: false, w =>
                {
                    w.WriteString("type", "tool_use");
                    w.WriteString("id", Str(call["id"]) ?? "");
                    w.WriteString("name", Str(Member(call["function"], "name")) ?? "");
                    w.WriteStartObject("input");
                    w.WriteEndObject();
                });
                block = _blockByToolCall[index] = _openBlock!.Value;
            }

            if (Str(Member(call["function"], "arguments")) is { Length: > 0 } arguments)
            {
                BlockDelta(output, block, "input_json_delta", "partial_json", arguments);
            }
        }

        _finishReason = Str(Member(choice, "finish_reason")) ?? _finishReason;
    }

    public void Complete(IBufferWriter<byte> output)
    {
        // Some OpenAI-compatible servers end a finished stream without [DONE].
        if (_finishReason is not null)
        {
            Finish(output);
        }
    }

    private void Start(JsonObject? chunk, IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        Event(output, "message_start"u8, w =>
        {
            w.WriteString("type", "message_start");
            w.WriteStartObject("message");
            w.WriteString("id", Str(Member(chunk, "id")) ?? "");
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", Str(Member(chunk, "model")) ?? model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            WriteUsage(w, default);
            w.WriteEndObject();
        });
    }

    private void Finish(IBufferWriter<byte> output)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Start(null, output);
        CloseBlock(output);
        Event(output, "message_delta"u8, w =>
        {
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", StopReason(_finishReason));
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            WriteUsage(w, _meter.Usage);
        });
        Event(output, "message_stop"u8, w => w.WriteString("type", "message_stop"));
    }

    private void OpenBlock(IBufferWriter<byte> output, bool isText, Action<Utf8JsonWriter> writeBlock)
    {
        CloseBlock(output);
        var index = _blocks++;
        _openBlock = index;
        _openBlockIsText = isText;
        Event(output, "content_block_start"u8, w =>
        {
            w.WriteString("type", "content_block_start");
            w.WriteNumber("index", index);
            w.WriteStartObject("content_block");
            writeBlock(w);
            w.WriteEndObject();
        });
    }

    private void CloseBlock(IBufferWriter<byte> output)
    {
        if (_openBlock is not { } index)
        {
            return;
        }

        _openBlock = null;
        Event(output, "content_block_stop"u8, w =>
        {
            w.WriteString("type", "content_block_stop");
            w.WriteNumber("index", index);
        });
    }

    private static void BlockDelta(IBufferWriter<byte> output, int index, string type, string field, string value) => Event(output, "content_block_delta"u8, w =>
    {
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        w.WriteString("type", type);
        w.WriteString(field, value);
        w.WriteEndObject();
    });

    private static void Event(IBufferWriter<byte> output, ReadOnlySpan<byte> name, Action<Utf8JsonWriter> writeMembers)
    {
        output.Write("event: "u8);
        output.Write(name);
        output.Write("\ndata: "u8);
        using (var w = new Utf8JsonWriter(output, WriterOptions))
        {
            w.WriteStartObject();
            writeMembers(w);
            w.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }
}
