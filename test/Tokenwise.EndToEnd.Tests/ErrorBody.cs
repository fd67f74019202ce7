using System.Text.Json.Serialization;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>OpenAI's error body, as tests read it.</summary>
public sealed record ErrorBody([property: JsonPropertyName("error")] ErrorBody.Detail Error)
{
    public sealed record Detail(
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("param")] string? Param,
        [property: JsonPropertyName("code")] string? Code);
}
