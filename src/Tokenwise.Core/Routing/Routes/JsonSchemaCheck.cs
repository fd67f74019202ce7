using System.Text.Json;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// Whether a JSON value fits a JSON Schema, for the keywords that decide whether an answer is usable:
/// <c>type</c>, <c>enum</c>, <c>const</c>, <c>properties</c>, <c>required</c>, <c>additionalProperties: false</c>,
/// <c>items</c>, and <c>anyOf</c>/<c>oneOf</c> (as any-of). Other keywords (formats, lengths, ranges, references) are not checked:
/// a cascade escalates answers that are unusable, not ones a strict validator would quibble with.
/// </summary>
public static class JsonSchemaCheck
{
    public static bool Fits(JsonElement value, JsonElement schema)
    {
        if (schema.ValueKind == JsonValueKind.True || schema.ValueKind != JsonValueKind.Object)
        {
            return schema.ValueKind != JsonValueKind.False;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeFits(value, type))
        {
            return false;
        }

        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array
            && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            return false;
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            return false;
        }

        foreach (var keyword in (ReadOnlySpan<string>)["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array
                && !alternatives.EnumerateArray().Any(a => Fits(value, a)))
            {
                return false;
            }
        }

        return value.ValueKind switch
        {
            JsonValueKind.Object => ObjectFits(value, schema),
            JsonValueKind.Array => !schema.TryGetProperty("items", out var items) || value.EnumerateArray().All(item => Fits(item, items)),
            _ => true,
        };
    }

    private static bool ObjectFits(JsonElement value, JsonElement schema)
    {
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array
            && required.EnumerateArray().Any(name => name.ValueKind == JsonValueKind.String && !value.TryGetProperty(name.GetString()!, out _)))
        {
            return false;
        }

        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                if (!Fits(property.Value, propertySchema))
                {
                    return false;
                }
            }
            else if (closed)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TypeFits(JsonElement value, JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => IsType(value, type.GetString()),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && IsType(value, t.GetString())),
        _ => true,
    };

    private static bool IsType(JsonElement value, string? type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };
}
