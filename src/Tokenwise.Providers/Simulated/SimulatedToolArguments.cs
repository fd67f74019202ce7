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
                    switch (property.Value.TryGetProperty("type", out var type) ? type.GetString() : "string")
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
}
