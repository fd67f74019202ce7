using Tokenwise.Anthropic;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// What a cascade checks in an answer, read from the whole answer in the client's dialect, streamed or not:
/// its text, how it finished, its tool calls, a refusal, the mean token log-probability when the answer
/// carries log-probabilities, and its usage when reported.
/// </summary>
/// <param name="FinishReason">Normalised: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>refusal</c>, <c>content_filter</c>; null when none came.</param>
public sealed record AnswerView(string Text, string? FinishReason, IReadOnlyList<AnswerToolCall> ToolCalls, string? Refusal, double? MeanLogprob, TokenUsage? Usage)
{
    /// <summary>Reads a chat completion or an Anthropic message, as JSON or as its event stream.</summary>
    public static AnswerView Read(LlmRequest request, ReadOnlySpan<byte> answer)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Dialect == AnthropicRequestParser.Dialect
            ? AnthropicAnswerReader.Read(answer, request.Stream)
            : OpenAIAnswerReader.Read(answer, request.Stream);
    }
}
