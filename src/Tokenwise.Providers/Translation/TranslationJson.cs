using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Json;

namespace Tokenwise.Providers.Translation;

/// <summary>Reading and writing the JSON of translated requests and answers, the same way in every direction.</summary>
internal static class TranslationJson
{
    /// <summary>Relaxed escaping keeps text readable ("it's", not "it\u0027s"); bodies are JSON, never HTML.</summary>
    public static readonly JsonWriterOptions WriterOptions = WireJson.Writer;


    public static byte[] Serialize(JsonNode node) => WireJson.Serialize(node);

    public static string ToJson(JsonNode? node) => node?.ToJsonString(WireJson.Serializer) ?? "null";

    public static string? Str(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// The member <paramref name="name"/> of an object; null when <paramref name="node"/> is no object (a client's number
    /// or string where an object belongs), so the shape check that follows names the field, where an indexer would
    /// throw.
    /// </summary>
    public static JsonNode? Member(JsonNode? node, string name) => (node as JsonObject)?[name];

    /// <summary>Parses a whole body as a JSON object; a 400 naming no field when it is not one.</summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject ?? throw new UnsupportedFeature("", "The request body must be a JSON object.", "invalid_json");
        }
        catch (JsonException e)
        {
            throw new UnsupportedFeature("", $"The request body is not valid JSON ({e.Message}).", "invalid_json");
        }
    }

    public static JsonNode Number(JsonNode value, string param) =>
        value.GetValueKind() == JsonValueKind.Number ? value.DeepClone() : throw new UnsupportedFeature(param, $"'{param}' must be a number.", "invalid_type");

    /// <summary>false, null, an empty object or array, or 0: the client asked for nothing the target would have to do.</summary>
    public static bool IsUnset(JsonNode? value) => value is null || value.GetValueKind() switch
    {
        JsonValueKind.False or JsonValueKind.Null => true,
        JsonValueKind.Object => value.AsObject().Count == 0,
        JsonValueKind.Array => value.AsArray().Count == 0,
        JsonValueKind.Number => value.GetValue<double>() == 0,
        _ => false,
    };

    /// <summary>A JSON object given as a string (OpenAI's tool-call arguments); an empty string is an empty object.</summary>
    public static JsonObject ParseArguments(string? text, string param)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            if (JsonNode.Parse(text) is JsonObject arguments)
            {
                return arguments;
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new UnsupportedFeature(param, $"'{param}' must be a JSON object in a string.", "invalid_value");
    }
}
