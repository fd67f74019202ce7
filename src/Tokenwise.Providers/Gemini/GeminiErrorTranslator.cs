using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Pipeline;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Gemini;

/// <summary>
/// Translates Gemini's error body (<c>{"error":{"code","message","status","details"}}</c>, Google's
/// RPC status) into OpenAI's, keeping the HTTP status; OpenAI SDKs branch on status, type and code.
/// </summary>
internal static class GeminiErrorTranslator
{
    /// <summary>The OpenAI error and, for 429 and 503, when to retry (from Gemini's <c>RetryInfo</c>).</summary>
    public static (GatewayError Error, string? RetryAfter) ToOpenAI(int status, ReadOnlySpan<byte> body)
    {
        JsonNode? error = null;
        try
        {
            error = Member(JsonNode.Parse(body), "error");
        }
        catch (JsonException)
        {
            // Not Google's error body (a proxy's HTML page, say): the status alone describes the failure.
        }

        var message = Str(Member(error, "message")) ?? $"Gemini answered HTTP {status} without an error message.";
        var rpcStatus = Str(Member(error, "status"));
        var (type, code, param) = (status, rpcStatus) switch
        {
            (404, _) or (_, "NOT_FOUND") => ("invalid_request_error", "model_not_found", "model"),
            (429, _) or (_, "RESOURCE_EXHAUSTED") => ("requests", "rate_limit_exceeded", null),
            (401, _) or (_, "UNAUTHENTICATED") => ("authentication_error", "invalid_api_key", null),
            (403, _) or (_, "PERMISSION_DENIED") => ("permission_error", "permission_denied", null),
            (>= 400 and < 500, _) => ("invalid_request_error", Lower(rpcStatus) ?? "invalid_request", null),
            (503, _) => ("server_error", "service_unavailable", null),
            _ => ("server_error", Lower(rpcStatus) ?? "server_error", null),
        };
        return (new GatewayError(status, type, code, message, param), RetryDelay(error));
    }

    private static string? Lower(string? rpcStatus) => rpcStatus?.ToLowerInvariant();

    /// <summary>
    /// Gemini tells when to retry in the body (<c>google.rpc.RetryInfo</c>, <c>"retryDelay": "7s"</c>),
    /// not in a header; OpenAI clients read <c>Retry-After</c> in whole seconds.
    /// </summary>
    private static string? RetryDelay(JsonNode? error)
    {
        foreach (var detail in (Member(error, "details") as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Str(detail["@type"])?.EndsWith("google.rpc.RetryInfo", StringComparison.Ordinal) == true
                && Str(detail["retryDelay"]) is { } delay && delay.EndsWith('s')
                && double.TryParse(delay[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return ((long)Math.Ceiling(seconds)).ToString(CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
