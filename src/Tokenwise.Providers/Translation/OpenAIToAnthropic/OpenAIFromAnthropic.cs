using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Anthropic;
using Tokenwise.Pipeline;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.OpenAIToAnthropic;

/// <summary>What the whole-answer and the stream translation from Anthropic to OpenAI share: stop reasons and errors.</summary>
internal static class OpenAIFromAnthropic
{
    /// <summary>Anthropic's stop reason in OpenAI's terms.</summary>
    public static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop", // end_turn, stop_sequence, pause_turn
    };

    /// <summary>
    /// A text block's web search citations (<c>web_search_result_location</c>) as <c>url_citation</c> annotations over the
    /// block's text, which spans <paramref name="start"/> to <paramref name="end"/> of the answer (UTF-16 code units).
    /// </summary>
    public static IEnumerable<UrlCitation> WebCitations(IEnumerable<JsonNode?> citations, int start, int end) =>
        citations.Where(c => Str(Member(c, "type")) == "web_search_result_location" && Str(Member(c, "url")) is not null)
            .Select(c => new UrlCitation(start, end, Str(Member(c, "url"))!, Str(Member(c, "title"))));

    /// <summary>
    /// An Anthropic error (an HTTP body or a stream's <c>error</c> event) as OpenAI describes it, keeping the
    /// status except 529 <c>overloaded_error</c>, which OpenAI clients know as 503 (and retry, like any 5xx).
    /// </summary>
    public static GatewayError Error(int status, ReadOnlySpan<byte> body)
    {
        JsonNode? error = null;
        try
        {
            error = Member(JsonNode.Parse(body), "error");
        }
        catch (JsonException)
        {
            // Not Anthropic's error body (a proxy's HTML page, say): the status alone describes the failure.
        }

        var message = Str(Member(error, "message")) ?? $"Anthropic answered HTTP {status} without an error message.";
        var type = Str(Member(error, "type")) ?? AnthropicErrorBody.TypeFor(status);
        return type switch
        {
            "authentication_error" => new GatewayError(status, "authentication_error", "invalid_api_key", message),
            "permission_error" => new GatewayError(status, "permission_error", "permission_denied", message),
            "not_found_error" => new GatewayError(status, "invalid_request_error", "model_not_found", message, "model"),
            "request_too_large" => new GatewayError(status, "invalid_request_error", "request_too_large", message),
            "rate_limit_error" => new GatewayError(status, "requests", "rate_limit_exceeded", message),
            "overloaded_error" => new GatewayError(status == 529 ? 503 : status, "server_error", "overloaded", message),
            "api_error" => new GatewayError(status, "server_error", "api_error", message),
            _ => new GatewayError(status, status >= 500 ? "server_error" : "invalid_request_error", null, message),
        };
    }

    public static void WriteError(GatewayError error, IBufferWriter<byte> output) => OpenAI.OpenAIErrorBody.Write(error, output);
}
