using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Anthropic;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.AnthropicToOpenAI;

/// <summary>What the whole-answer and the stream translation from OpenAI to Anthropic share: stop reasons, usage, errors.</summary>
internal static class AnthropicFromOpenAI
{
    /// <summary>
    /// OpenAI's finish reason in Anthropic's terms. OpenAI does not say whether a stop sequence ended the
    /// answer, so <c>stop</c> is always <c>end_turn</c> (with <c>stop_sequence</c> null).
    /// </summary>
    public static string StopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    /// <summary>
    /// Anthropic's <c>usage</c>: <c>input_tokens</c> counts the prompt tokens not read from the cache
    /// (OpenAI's <c>prompt_tokens</c> include them), <c>cache_read_input_tokens</c> the cached ones.
    /// Reasoning tokens have no Anthropic field; the gateway meters them from OpenAI's own usage.
    /// </summary>
    public static void WriteUsage(Utf8JsonWriter w, TokenUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", usage.InputTokens - usage.CachedInputTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", usage.CachedInputTokens);
        w.WriteNumber("output_tokens", usage.OutputTokens);
        w.WriteEndObject();
    }

    /// <summary>An OpenAI error body (or stream error event) as a gateway error with the same status; Anthropic's type follows from it.</summary>
    public static GatewayError Error(int status, ReadOnlySpan<byte> body)
    {
        JsonNode? error = null;
        try
        {
            error = Member(JsonNode.Parse(body), "error");
        }
        catch (JsonException)
        {
            // Not an OpenAI error body: the status alone describes the failure.
        }

        var message = Str(Member(error, "message")) ?? $"The provider answered HTTP {status} without an error message.";
        return new GatewayError(status, Str(Member(error, "type")) ?? AnthropicErrorBody.TypeFor(status), Str(Member(error, "code")), message, Str(Member(error, "param")));
    }

    public static void WriteError(GatewayError error, IBufferWriter<byte> output) => AnthropicErrorBody.Write(error, requestId: null, output);
}
