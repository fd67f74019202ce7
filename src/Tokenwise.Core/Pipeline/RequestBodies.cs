using Tokenwise.Anthropic;
using Tokenwise.OpenAI;

namespace Tokenwise.Pipeline;

/// <summary>
/// A request with a new body, parsed again by its dialect's parser, for the stages that must rewrite what
/// is sent (redaction before a cloud call, a route's reasoning cap): every other stage keeps seeing a
/// well-formed <see cref="LlmRequest"/> whose recorded offsets match its body.
/// </summary>
public static class RequestBodies
{
    /// <exception cref="InvalidOperationException">The new body does not parse; the rewriters only change values, so it always should.</exception>
    public static LlmRequest WithBody(LlmRequest request, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parsed = request.Dialect == AnthropicRequestParser.Dialect
            ? AnthropicRequestParser.TryParse(body, request.Api, request.DialectHeaders, out var rewritten, out var error)
            : OpenAIRequestParser.TryParse(body, request.Api, out rewritten, out error);
        return parsed ? rewritten : throw new InvalidOperationException("A rewritten request body did not parse: " + error.Message);
    }
}
