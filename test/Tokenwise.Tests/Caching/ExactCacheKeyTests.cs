using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tokenwise.Caching;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;

namespace Tokenwise.Tests.Caching;

public sealed class ExactCacheKeyTests
{
    private static readonly ModelDeployment s_deployment = new("fast", "openai", "gpt-4o-mini", ModelPrice.Free("gpt-4o-mini"));

    /// <summary>
    /// The key's definition, computed the slow way: the parsed document written back with every object's keys in
    /// ordinal order (a stable sort, so repeated names keep their order), after the scope. The fast canonicalizer
    /// rearranges written bytes instead; on random nested bodies — keys in any order, repeated and escaped names,
    /// escaped strings, empty objects and arrays, the ignored top-level fields — both must give the same key.
    /// </summary>
    [Fact]
    public void OnRandomBodiesTheKeyIsTheHashOfTheSortedDocument()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var body = Encoding.UTF8.GetBytes(RandomObject(random, depth: 0, topLevel: true));
            var request = new LlmRequest { Api = ApiKind.ChatCompletions, Dialect = "openai", Model = "fast", Body = body };

            Assert.Equal(Reference("key:a", request), ExactCacheKey.Compute("key:a", s_deployment, request));
        }
    }

    private static string Reference(string tenantNamespace, LlmRequest request)
    {
        using var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("namespace", tenantNamespace);
            writer.WriteString("api", "ChatCompletions");
            writer.WriteString("dialect", request.Dialect);
            writer.WriteString("provider", s_deployment.Provider);
            writer.WriteString("upstream_model", s_deployment.UpstreamModel);
            writer.WritePropertyName("request");
            using var document = JsonDocument.Parse(request.Body);
            WriteSorted(writer, document.RootElement, topLevel: true);
            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(output.ToArray()));
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonElement element, bool topLevel)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject()
                    .Where(p => !topLevel || p.Name is not ("model" or "metadata" or "user"))
                    .OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteSorted(writer, property.Value, topLevel: false);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(writer, item, topLevel: false);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(element.GetRawText());
                break;
            case JsonValueKind.True or JsonValueKind.False:
                writer.WriteBooleanValue(element.GetBoolean());
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static readonly string[] s_names = ["role", "content", "model", "user", "metadata", "a", "b", "type", "n", "\\u006e", "caf\\u00e9", "ｚ", "𝔸", "name", "Z"];

    private static readonly string[] s_strings = ["hi", "", "caf\\u00e9 <b>\\\"q\\\"</b>", "line\\nbreak", "é", "𝔸ｚ", "tab\\t"];

    private static string RandomObject(Random random, int depth, bool topLevel = false)
    {
        var count = random.Next(depth > 3 ? 3 : 7);
        var properties = Enumerable.Range(0, count).Select(_ => $"\"{s_names[random.Next(s_names.Length)]}\":{RandomValue(random, depth + 1)}");
        // The top level always has a property, as a request body does; a repeated name is possible anywhere.
        return "{" + string.Join(",", topLevel ? properties.Append("\"messages\":[]") : properties) + "}";
    }

    private static string RandomValue(Random random, int depth) => random.Next(depth > 3 ? 4 : 6) switch
    {
        0 => $"\"{s_strings[random.Next(s_strings.Length)]}\"",
        1 => random.Next(3) switch { 0 => "0.5", 1 => "-12", _ => "1e3" },
        2 => random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" },
        3 => $"\"{s_strings[random.Next(s_strings.Length)]}\"",
        4 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1))) + "]",
        _ => RandomObject(random, depth),
    };
}
