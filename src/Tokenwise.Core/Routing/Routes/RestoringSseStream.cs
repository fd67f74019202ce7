using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Anthropic;
using Tokenwise.OpenAI;
using Tokenwise.Sensitivity;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A redacted request's event stream with the originals put back, event by event as it arrives. A
/// placeholder can be split across two chunks (<c>[EMA</c> then <c>IL_1]</c>), so the end of a text that may
/// begin one is held back and joined to the next chunk of the same text; what is still held when its text
/// ends (OpenAI's <c>finish_reason</c>, Anthropic's <c>content_block_stop</c>) is sent just before.
/// </summary>
public sealed class RestoringSseStream(Stream inner, Redaction redaction, string dialect) : Stream
{
    private static readonly JsonSerializerOptions s_write = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, string> _held = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _input = new();
    private byte[] _output = [];
    private int _outputAt;
    private bool _ended;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_outputAt == _output.Length)
        {
            if (_ended)
            {
                return 0;
            }

            var read = await inner.ReadAsync(_input.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                _ended = true;
                _output = _input.WrittenSpan.ToArray(); // a last event without its blank line goes as it came
                _outputAt = 0;
                continue;
            }

            _input.Advance(read);
            _output = TransformCompleteEvents();
            _outputAt = 0;
        }

        var count = Math.Min(buffer.Length, _output.Length - _outputAt);
        _output.AsMemory(_outputAt, count).CopyTo(buffer);
        _outputAt += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private byte[] TransformCompleteEvents()
    {
        var output = new ArrayBufferWriter<byte>();
        var pending = _input.WrittenSpan;
        var consumed = 0;
        while (SseRelay.TryFindEventEnd(pending[consumed..], out var length))
        {
            Transform(pending.Slice(consumed, length), output);
            consumed += length;
        }

        var rest = pending[consumed..].ToArray();
        _input.Clear();
        _input.Write(rest);
        return output.WrittenSpan.ToArray();
    }

    private void Transform(ReadOnlySpan<byte> sseEvent, ArrayBufferWriter<byte> output)
    {
        if (!SseRelay.TryGetData(sseEvent, out var data) || data.SequenceEqual("[DONE]"u8) || JsonNode.Parse(data) is not JsonObject root)
        {
            output.Write(sseEvent);
            return;
        }

        if (dialect == AnthropicRequestParser.Dialect)
        {
            RestoreAnthropic(root, output);
        }
        else if (root["choices"] is JsonArray choices)
        {
            foreach (var choice in choices.OfType<JsonObject>())
            {
                RestoreChoice(choice);
            }
        }
        else
        {
            JsonRedaction.Rewrite(root, null, redaction.Restore, skipNonText: false); // a Responses API event: whole strings
        }

        // The event as it came, with only its data line replaced.
        var dataStart = sseEvent.IndexOf(data);
        output.Write(sseEvent[..dataStart]);
        output.Write(JsonSerializer.SerializeToUtf8Bytes(root, s_write));
        output.Write(sseEvent[(dataStart + data.Length)..]);
    }

    /// <summary>An OpenAI chunk's choice: its content, refusal and tool-call arguments.</summary>
    private void RestoreChoice(JsonObject choice)
    {
        var index = choice["index"]?.ToString() ?? "0";
        var delta = choice["delta"] as JsonObject;
        var finished = choice["finish_reason"] is JsonValue finish && finish.GetValueKind() == JsonValueKind.String;
        if (delta is null && !finished)
        {
            return;
        }

        delta ??= [];
        choice["delta"] ??= delta;
        foreach (var field in (ReadOnlySpan<string>)["content", "refusal"])
        {
            Restore(delta, field, $"{index}:{field}", finished);
        }

        var calls = delta["tool_calls"] as JsonArray;
        foreach (var call in calls?.OfType<JsonObject>() ?? [])
        {
            if (call["function"] is JsonObject function)
            {
                Restore(function, "arguments", $"{index}:tool:{call["index"]}", finished);
            }
        }

        if (!finished)
        {
            return;
        }

        // Tool calls whose last arguments chunk ended in a held-back fragment.
        foreach (var key in _held.Keys.Where(k => k.StartsWith($"{index}:tool:", StringComparison.Ordinal)).ToList())
        {
            calls ??= (JsonArray)(delta["tool_calls"] = new JsonArray());
            var toolIndex = int.Parse(key.AsSpan(key.LastIndexOf(':') + 1), CultureInfo.InvariantCulture);
            calls.Add(new JsonObject { ["index"] = toolIndex, ["function"] = new JsonObject { ["arguments"] = _held[key] } });
            _held.Remove(key);
        }
    }

    private void RestoreAnthropic(JsonObject root, ArrayBufferWriter<byte> output)
    {
        var type = root["type"]?.GetValue<string>();
        var index = root["index"]?.ToString() ?? "0";
        if (type == "content_block_delta" && root["delta"] is JsonObject delta)
        {
            foreach (var field in (ReadOnlySpan<string>)["text", "partial_json", "thinking"])
            {
                Restore(delta, field, $"{index}:{field}", finished: false);
            }
        }
        else if (type == "content_block_stop")
        {
            // What the block's last delta held back goes out in one more delta, just before the block ends.
            foreach (var (field, deltaType) in (ReadOnlySpan<(string, string)>)[("text", "text_delta"), ("partial_json", "input_json_delta"), ("thinking", "thinking_delta")])
            {
                if (_held.Remove($"{index}:{field}", out var rest))
                {
                    var flush = new JsonObject
                    {
                        ["type"] = "content_block_delta",
                        ["index"] = root["index"]?.DeepClone(),
                        ["delta"] = new JsonObject { ["type"] = deltaType, [field] = rest },
                    };
                    output.Write("event: content_block_delta\ndata: "u8);
                    output.Write(JsonSerializer.SerializeToUtf8Bytes(flush, s_write));
                    output.Write("\n\n"u8);
                }
            }
        }
        else
        {
            JsonRedaction.Rewrite(root, null, redaction.Restore, skipNonText: false);
        }
    }

    /// <summary>Restores one streamed text field, holding back a trailing fragment that may begin a placeholder unless the text has ended.</summary>
    private void Restore(JsonObject holder, string field, string key, bool finished)
    {
        var text = holder[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
        if (text is null && !(finished && _held.ContainsKey(key)))
        {
            return;
        }

        var joined = (_held.Remove(key, out var held) ? held : "") + (text ?? "");
        var restored = redaction.Restore(joined);
        var keep = finished ? 0 : Redaction.PartialPlaceholderLength(restored);
        if (keep > 0)
        {
            _held[key] = restored[^keep..];
            restored = restored[..^keep];
        }

        holder[field] = restored;
    }
}
