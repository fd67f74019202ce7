using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenwise.Json;

/// <summary>
/// JSON as the gateway writes it onto the wire: text as UTF-8, not <c>\u</c>-escaped, as clients and providers
/// send it, so a body the gateway rewrites (redacted, capped, restored, translated) stays as readable and as
/// short as the one it came from.
/// </summary>
public static class WireJson
{
    public static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions Serializer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(JsonNode? node) => JsonSerializer.SerializeToUtf8Bytes(node, Serializer);
}
