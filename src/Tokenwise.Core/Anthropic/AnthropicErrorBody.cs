using System.Buffers;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Anthropic;

/// <summary>
/// Anthropic's error body, <c>{"type":"error","error":{"type","message"},"request_id"}</c>, with the
/// error type Anthropic uses for each HTTP status.
/// </summary>
public static class AnthropicErrorBody
{
    /// <summary>Anthropic's error type for <paramref name="status"/> (other 4xx are invalid requests, other 5xx API errors).</summary>
    public static string TypeFor(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    public static void Write(GatewayError error, string? requestId, IBufferWriter<byte> output)
    {
        // Relaxed escaping keeps messages readable ("'model'", not "\u0027model\u0027"); bodies are JSON, never HTML.
        using var w = new Utf8JsonWriter(output, WireJson.Writer);
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", TypeFor(error.Status));
        w.WriteString("message", error.Message);
        w.WriteEndObject();
        if (requestId is not null)
        {
            w.WriteString("request_id", requestId);
        }

        w.WriteEndObject();
    }

    /// <summary>The <c>error.type</c> of an Anthropic error body (an HTTP answer or a stream's <c>error</c> event), if it has one.</summary>
    public static string? ReadType(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (JsonMember.TryFindTopLevelObject(ref reader, "error"u8))
            {
                return ReadErrorObjectType(ref reader);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the status alone describes the failure.
        }

        return null;
    }

    /// <summary>Reads an <c>error</c> object's <c>type</c>; the reader is on its StartObject and ends on its EndObject.</summary>
    internal static string? ReadErrorObjectType(ref Utf8JsonReader reader)
    {
        string? type = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                type = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return type;
    }
}
