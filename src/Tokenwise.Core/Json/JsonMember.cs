using System.Text.Json;

namespace Tokenwise.Json;

/// <summary>Finding one member of a JSON object, with <see cref="Utf8JsonReader"/> or in a <see cref="JsonElement"/>.</summary>
public static class JsonMember
{
    /// <summary>
    /// Reads a document's top-level object up to its member <paramref name="name"/> and, when that member
    /// is an object, leaves the reader on the member's StartObject. False when the document is not an
    /// object or the member is absent or not an object (e.g. <c>"usage": null</c>).
    /// </summary>
    public static bool TryFindTopLevelObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isName = reader.ValueTextEquals(name);
            reader.Read();
            if (isName && reader.TokenType == JsonTokenType.StartObject)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    /// <summary>The string member <paramref name="name"/> of an object; null when it is absent or not a string.</summary>
    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
