using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Anthropic;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.Sensitivity;
using Tokenwise.Streams;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A redacted request's event stream with the originals put back, event by event as it arrives (read through
/// <see cref="TranslatingSseStream"/>). A placeholder can be split across two chunks (<c>[EMA</c> then <c>IL_1]</c>),
/// so the end of a text that may begin one is held back and joined to the next chunk of the same text; what is
/// still held when its text ends (OpenAI's <c>finish_reason</c>, Anthropic's <c>content_block_stop</c>) is sent
/// just before.
/// </summary>
public sealed class RestoringEvents(Redaction redaction, string dialect) : IStreamTranslator
{
    private readonly Dictionary<string, string> _held = new(StringComparer.Ordinal);

    /// <summary>Restoring changes text, never usage: the stream's own usage is metered as it passes.</summary>
    public TokenUsage? ReportedUsage => null;

    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (data.SequenceEqual("[DONE]"u8) || !TryParse(data, out var root))
        {
            Write(output, null, data);
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

        Write(output, root);
    }

    public void Complete(IBufferWriter<byte> output)
    {
    }

    /// <summary>
    /// An event as its dialect frames it: events whose data carries a <c>type</c> (Anthropic's, the Responses API's)
    /// are named after it; chat chunks are bare <c>data:</c> lines.
    /// </summary>
    private static void Write(IBufferWriter<byte> output, JsonObject? root, ReadOnlySpan<byte> raw = default)
    {
        if (root?["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.String)
        {
            output.Write("event: "u8);
            output.Write(System.Text.Encoding.UTF8.GetBytes(type.GetValue<string>()));
            output.Write("\n"u8);
        }

        output.Write("data: "u8);
        output.Write(root is null ? raw : WireJson.Serialize(root));
        output.Write("\n\n"u8);
    }

    private static bool TryParse(ReadOnlySpan<byte> data, out JsonObject root)
    {
        try
        {
            root = JsonNode.Parse(data) as JsonObject ?? [];
            return root.Count > 0;
        }
        catch (JsonException)
        {
            root = [];
            return false;
        }
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

    private void RestoreAnthropic(JsonObject root, IBufferWriter<byte> output)
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
                    Write(output, new JsonObject
                    {
                        ["type"] = "content_block_delta",
                        ["index"] = root["index"]?.DeepClone(),
                        ["delta"] = new JsonObject { ["type"] = deltaType, [field] = rest },
                    });
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
