using System.Text;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.Routing.Routes;

namespace Tokenwise.OpenAI;

/// <summary>Reads a chat completion, or its chunk stream assembled, into an <see cref="AnswerView"/> (the first choice).</summary>
public static class OpenAIAnswerReader
{
    public static AnswerView Read(ReadOnlySpan<byte> answer, bool stream) => stream ? ReadStream(answer) : ReadJson(answer);

    private static AnswerView ReadJson(ReadOnlySpan<byte> answer)
    {
        TokenUsage? usage = OpenAIUsageReader.TryRead(answer, out var reported) ? reported : null;
        try
        {
            using var document = JsonDocument.Parse(answer.ToArray());
            if (!document.RootElement.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                return new AnswerView("", null, [], null, null, usage);
            }

            var choice = choices[0];
            var message = choice.TryGetProperty("message", out var m) ? m : default;
            var calls = new List<AnswerToolCall>();
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in toolCalls.EnumerateArray())
                {
                    if (call.TryGetProperty("function", out var function))
                    {
                        calls.Add(new AnswerToolCall(JsonMember.String(function, "name") ?? "", JsonMember.String(function, "arguments") ?? ""));
                    }
                }
            }

            var logprobs = new Logprobs();
            logprobs.Add(choice);
            return new AnswerView(JsonMember.String(message, "content") ?? "", JsonMember.String(choice, "finish_reason"), calls,
                JsonMember.String(message, "refusal"), logprobs.Mean, usage);
        }
        catch (JsonException)
        {
            return new AnswerView("", null, [], null, null, usage);
        }
    }

    private static AnswerView ReadStream(ReadOnlySpan<byte> answer)
    {
        var text = new StringBuilder();
        StringBuilder? refusal = null;
        string? finish = null;
        TokenUsage? usage = null;
        var calls = new SortedDictionary<int, (string Name, StringBuilder Arguments)>();
        var logprobs = new Logprobs();
        while (SseRelay.TryFindEventEnd(answer, out var length))
        {
            var sseEvent = answer[..length];
            answer = answer[length..];
            if (!SseRelay.TryGetData(sseEvent, out var data) || data.SequenceEqual("[DONE]"u8))
            {
                continue;
            }

            if (OpenAIUsageReader.TryRead(data, out var chunkUsage))
            {
                usage = chunkUsage;
            }

            try
            {
                using var chunk = JsonDocument.Parse(data.ToArray());
                if (!chunk.RootElement.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
                {
                    continue;
                }

                var choice = choices[0];
                finish = JsonMember.String(choice, "finish_reason") ?? finish;
                logprobs.Add(choice);
                if (!choice.TryGetProperty("delta", out var delta) || delta.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                text.Append(JsonMember.String(delta, "content"));
                if (JsonMember.String(delta, "refusal") is { } refused)
                {
                    (refusal ??= new()).Append(refused);
                }

                if (delta.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in toolCalls.EnumerateArray())
                    {
                        var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                        var function = call.TryGetProperty("function", out var f) ? f : default;
                        var (name, arguments) = calls.TryGetValue(index, out var known) ? known : ("", new StringBuilder());
                        if (function.ValueKind == JsonValueKind.Object)
                        {
                            name = JsonMember.String(function, "name") ?? name;
                            arguments.Append(JsonMember.String(function, "arguments"));
                        }

                        calls[index] = (name, arguments);
                    }
                }
            }
            catch (JsonException)
            {
                // A chunk that is not JSON carries nothing to check.
            }
        }

        return new AnswerView(text.ToString(), finish, calls.Values.Select(c => new AnswerToolCall(c.Name, c.Arguments.ToString())).ToList(),
            refusal?.ToString(), logprobs.Mean, usage);
    }

    /// <summary>The token log-probabilities of a choice's <c>logprobs.content</c>, averaged.</summary>
    private sealed class Logprobs
    {
        private double _sum;
        private int _count;

        public double? Mean => _count == 0 ? null : _sum / _count;

        public void Add(JsonElement choice)
        {
            if (choice.TryGetProperty("logprobs", out var logprobs) && logprobs.ValueKind == JsonValueKind.Object
                && logprobs.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in content.EnumerateArray())
                {
                    if (token.TryGetProperty("logprob", out var logprob) && logprob.TryGetDouble(out var value))
                    {
                        _sum += value;
                        _count++;
                    }
                }
            }
        }
    }
}
