namespace Tokenwise.Pipeline;

/// <summary>
/// An error the gateway answers with itself, independent of dialect; each endpoint writes it in its
/// client's error format.
/// </summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Type">OpenAI-style error type, e.g. <c>invalid_request_error</c>.</param>
/// <param name="Code">Machine-readable code, e.g. <c>model_not_found</c>.</param>
/// <param name="Message">What went wrong and what to do about it.</param>
/// <param name="Param">The request field at fault, when there is one.</param>
public sealed record GatewayError(int Status, string Type, string? Code, string Message, string? Param = null)
{
    /// <summary>A client's text as an error message quotes it: cut short, so an oversize value is not echoed back whole.</summary>
    public static string Excerpt(string text, int maxLength = 80) => text.Length <= maxLength ? text : text[..(maxLength - 3)] + "...";

    public static GatewayError InvalidRequest(string message, string? code = null, string? param = null) =>
        new(400, "invalid_request_error", code, message, param);

    public static GatewayError ModelNotFound(string message) =>
        new(404, "invalid_request_error", "model_not_found", message, "model");

    public static GatewayError Unauthorized(string message) =>
        new(401, "authentication_error", "invalid_api_key", message);

    /// <summary>A body that does not decompress as its Content-Encoding says (ASP.NET Core's request decompression).</summary>
    public static GatewayError BodyNotDecompressed(string reason) =>
        InvalidRequest($"The request body does not decompress as its Content-Encoding says: {reason}", "invalid_body");

    public static GatewayError UnsupportedEncoding(string encoding) =>
        new(415, "invalid_request_error", "unsupported_content_encoding",
            $"The request body's Content-Encoding '{encoding}' is not one the gateway reads: send the body uncompressed, or compressed with gzip, br or deflate.");

    public static GatewayError PayloadTooLarge(long limit) =>
        new(413, "invalid_request_error", "request_too_large",
            $"The request body exceeds the gateway's limit of {limit} bytes (setting server.max_request_body_bytes).");

    public static GatewayError UsageLogFull(int maxPending) =>
        new(503, "api_error", "usage_log_backlog",
            $"The gateway is not taking new requests: {maxPending} usage records are waiting for a usage log that cannot be written "
            + "(setting storage.max_pending_records). Retry shortly; the operator should check the gateway's storage.");

    public static GatewayError UpstreamUnavailable(string provider, string reason) =>
        new(502, "api_error", "upstream_unavailable", $"Provider '{provider}' could not be reached: {reason}");

    public static GatewayError TranslationUnavailable(string model, string provider, string dialect) =>
        new(400, "invalid_request_error", "translation_unavailable",
            $"The model '{model}' is served by provider '{provider}', which does not speak the {dialect} API, and the gateway "
            + $"has no translation from {dialect} requests to it. Use a model served by a provider that speaks {dialect}.", "model");

    public static GatewayError ResponsesUnavailable(string model, string provider) =>
        new(400, "invalid_request_error", "responses_api_unavailable",
            $"The model '{model}' is served by provider '{provider}', which does not offer the Responses API (/v1/responses), "
            + "and the gateway does not translate Responses requests. Use /v1/chat/completions for this model, or a model served "
            + "by an OpenAI or OpenAI-compatible provider.", "model");

    public static GatewayError UpstreamAnswerTooLarge(string provider) =>
        new(502, "api_error", "upstream_answer_too_large",
            $"Provider '{provider}' answered with more than {UpstreamResponse.MaxAnswerBytes / (1024 * 1024)} MiB, more than the gateway holds "
            + "for a non-streamed answer. Ask for a stream (\"stream\": true) or a smaller answer.");

    public static GatewayError UpstreamTimeout(string provider, string which) =>
        new(504, "api_error", "upstream_timeout", $"Provider '{provider}' did not answer in time ({which} timeout).");
}
