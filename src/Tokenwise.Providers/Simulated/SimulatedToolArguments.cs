using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tokenwise.Providers.Simulated;

/// <summary>Arguments that fit a tool's JSON schema: a made-up value for each declared property, the same every time.</summary>
public static class SimulatedToolArguments
{
    public static string For(JsonElement parametersSchema)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (parametersSchema.ValueKind == JsonValueKind.Object && parametersSchema.TryGetProperty("properties", out var properties)
                && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    switch (TypeOf(property.Value))
                    {
                        case "number" or "integer":
                            w.WriteNumber(property.Name, 1);
                            break;
                        case "boolean":
                            w.WriteBoolean(property.Name, true);
                            break;
                        default:
                            w.WriteString(property.Name, "Paris");
                            break;
                    }
                }
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// A property schema's type: <c>"type": "number"</c>, or the first that is not null of a list (<c>["number", "null"]</c>, as
    /// strict schemas declare optional fields); anything else is taken for a string.
    /// </summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
        {
            return null;
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => type.GetString(),
            JsonValueKind.Array => type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String && t.GetString() != "null")
                .Select(t => t.GetString()).FirstOrDefault(),
            _ => null,
        };
    }
}
