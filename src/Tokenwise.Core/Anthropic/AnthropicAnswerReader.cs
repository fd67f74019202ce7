using System.Text;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Anthropic;

/// <summary>Reads an Anthropic message, or its event stream assembled, into an <see cref="AnswerView"/>.</summary>
public static class AnthropicAnswerReader
{
    public static AnswerView Read(ReadOnlySpan<byte> answer, bool stream) => stream ? ReadStream(answer) : ReadJson(answer);

    /// <summary>Anthropic's stop reasons in OpenAI's words, so the checks read one vocabulary.</summary>
    private static string? Finish(string? stopReason) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" or "pause_turn" => "stop",
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        _ => stopReason, // "refusal"
    };

    private static AnswerView ReadJson(ReadOnlySpan<byte> answer)
    {
        TokenUsage? usage = AnthropicUsage.TryReadMessage(answer, out var reported) ? reported.ToTokenUsage() : null;
        try
        {
            using var document = JsonDocument.Parse(answer.ToArray());
            var root = document.RootElement;
            var text = new StringBuilder();
            var calls = new List<AnswerToolCall>();
            if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in content.EnumerateArray())
                {
                    switch (JsonMember.String(block, "type"))
                    {
                        case "text":
                            text.Append(JsonMember.String(block, "text"));
                            break;
                        case "tool_use":
                            calls.Add(new AnswerToolCall(JsonMember.String(block, "name") ?? "", block.TryGetProperty("input", out var input) ? input.GetRawText() : ""));
                            break;
                    }
                }
            }

            var finish = Finish(JsonMember.String(root, "stop_reason"));
            return new AnswerView(text.ToString(), finish, calls, finish == "refusal" ? text.ToString() : null, null, usage);
        }
        catch (JsonException)
        {
            return new AnswerView("", null, [], null, null, usage);
        }
    }

    private static AnswerView ReadStream(ReadOnlySpan<byte> answer)
    {
        var meter = new AnthropicStreamMeter();
        var text = new StringBuilder();
        var blocks = new SortedDictionary<int, (string Name, StringBuilder Input)>();
        string? finish = null;
        while (SseRelay.TryFindEventEnd(answer, out var length))
        {
            var sseEvent = answer[..length];
            answer = answer[length..];
            if (!SseRelay.TryGetData(sseEvent, out var data))
            {
                continue;
            }

            meter.Inspect(data);
            try
            {
                using var parsed = JsonDocument.Parse(data.ToArray());
                var root = parsed.RootElement;
                var index = root.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                switch (JsonMember.String(root, "type"))
                {
                    case "content_block_start" when root.TryGetProperty("content_block", out var block) && JsonMember.String(block, "type") == "tool_use":
                        blocks[index] = (JsonMember.String(block, "name") ?? "", new StringBuilder());
                        break;
                    case "content_block_delta" when root.TryGetProperty("delta", out var delta):
                        if (JsonMember.String(delta, "type") == "text_delta")
                        {
                            text.Append(JsonMember.String(delta, "text"));
                        }
                        else if (JsonMember.String(delta, "type") == "input_json_delta" && blocks.TryGetValue(index, out var tool))
                        {
                            tool.Input.Append(JsonMember.String(delta, "partial_json"));
                        }

                        break;
                    case "message_delta" when root.TryGetProperty("delta", out var messageDelta):
                        finish = Finish(JsonMember.String(messageDelta, "stop_reason")) ?? finish;
                        break;
                }
            }
            catch (JsonException)
            {
                // An event that is not JSON carries nothing to check.
            }
        }

        TokenUsage? usage = meter is { HasFinalUsage: true, HasInputUsage: true } ? meter.Usage.ToTokenUsage() : null;
        var calls = blocks.Values.Select(b => new AnswerToolCall(b.Name, b.Input.Length == 0 ? "{}" : b.Input.ToString())).ToList();
        return new AnswerView(text.ToString(), finish, calls, finish == "refusal" ? text.ToString() : null, null, usage);
    }
}
