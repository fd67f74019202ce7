using System.Security.Cryptography;
using System.Text.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>
/// The exact-cache key: SHA-256 over the scope (tenant namespace, API, dialect, provider, resolved
/// upstream model) and the request body with object keys sorted, so field order and whitespace do not
/// matter. Every field is part of the key (messages, system prompt, tools, temperature, max tokens,
/// stream, response format, and any field the gateway does not know) except the client-facing
/// <c>model</c> alias (the resolved model stands in for it) and attribution-only <c>metadata</c>/<c>user</c>.
/// </summary>
public static class ExactCacheKey
{
    private static readonly HashSet<string> s_ignored = ["model", "metadata", "user"];

    /// <exception cref="JsonException">The body is not JSON (the parsers reject that earlier).</exception>
    public static string Compute(string tenantNamespace, ModelDeployment deployment, LlmRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var buffer = new Json.PooledBufferWriter(request.Body.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("namespace", tenantNamespace);
            writer.WriteString("api", request.Api.ToString());
            writer.WriteString("dialect", request.Dialect);
            writer.WriteString("provider", deployment.Provider);
            writer.WriteString("upstream_model", deployment.UpstreamModel);
            writer.WritePropertyName("request");
            var reader = new Utf8JsonReader(request.Body.Span);
            using var document = JsonDocument.ParseValue(ref reader);
            WriteSorted(document.RootElement, writer, topLevel: true);
            writer.WriteEndObject();
        }

        hash.AppendData(buffer.WrittenSpan);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void WriteSorted(JsonElement element, Utf8JsonWriter writer, bool topLevel)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (topLevel && s_ignored.Contains(property.Name))
                    {
                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    WriteSorted(property.Value, writer, topLevel: false);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(item, writer, topLevel: false);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
