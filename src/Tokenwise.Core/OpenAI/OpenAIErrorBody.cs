using System.Buffers;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.OpenAI;

/// <summary>OpenAI's error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public static class OpenAIErrorBody
{
    public static void Write(GatewayError error, IBufferWriter<byte> output)
    {
        // Relaxed escaping keeps messages readable ("'model'", not "\u0027model\u0027"); bodies are JSON, never HTML.
        using var w = new Utf8JsonWriter(output, WireJson.Writer);
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", error.Message);
        w.WriteString("type", error.Type);
        WriteStringOrNull(w, "param", error.Param);
        WriteStringOrNull(w, "code", error.Code);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The body as bytes, for an answer made whole in memory (a translated or simulated provider's).</summary>
    public static byte[] Bytes(GatewayError error)
    {
        var body = new ArrayBufferWriter<byte>(256);
        Write(error, body);
        return body.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The Responses API's stream <c>error</c> event payload:
    /// <c>{"type":"error","code","message","param","sequence_number"}</c>.
    /// </summary>
    public static void WriteResponsesErrorEvent(GatewayError error, long sequenceNumber, IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, WireJson.Writer);
        w.WriteStartObject();
        w.WriteString("type", "error");
        WriteStringOrNull(w, "code", error.Code);
        w.WriteString("message", error.Message);
        WriteStringOrNull(w, "param", error.Param);
        w.WriteNumber("sequence_number", sequenceNumber);
        w.WriteEndObject();
    }

    /// <summary>
    /// Whether an answer is an error (a top-level <c>error</c> object, which Anthropic's error body has too), as some
    /// OpenAI-compatible servers and proxies answer with status 200.
    /// </summary>
    /// <remarks>Every non-streamed answer is checked, so a vectorized search for the key comes first: most answers lack it.</remarks>
    public static bool IsError(ReadOnlySpan<byte> body)
    {
        if (body.IndexOf("\"error\""u8) < 0)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            return JsonMember.TryFindTopLevelObject(ref reader, "error"u8);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The most specific code of an upstream error body (<c>error.code</c>, else <c>error.type</c>).</summary>
    public static string? ReadCode(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!JsonMember.TryFindTopLevelObject(ref reader, "error"u8))
            {
                return null;
            }

            string? code = null, type = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isCode = reader.ValueTextEquals("code"u8);
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (isCode) { code = reader.GetString(); }
                    else if (isType) { type = reader.GetString(); }
                }
                else
                {
                    reader.Skip();
                }
            }

            return code ?? type;
        }
        catch (JsonException)
        {
            // Not JSON: the status alone describes the failure.
        }

        return null;
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
