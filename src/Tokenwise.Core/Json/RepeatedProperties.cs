using System.Globalization;
using System.Text.Json;

namespace Tokenwise.Json;

/// <summary>
/// Whether an object of a JSON body names a property twice. JSON leaves that to the reader, and readers differ:
/// <see cref="System.Text.Json.Nodes.JsonNode"/> throws, most servers keep the last, some the first. A request that did
/// could be metered, limited and routed by the gateway as one thing and run by its provider as another (the first
/// <c>model</c> run, the last billed), and it broke every translation; so the parsers refuse it.
/// </summary>
/// <remarks>
/// Every request pays for this check, so the common body is checked in one pass of a <see cref="Utf8JsonReader"/> that
/// compares each name with the names before it in its object, allocating nothing. That comparison grows with the square
/// of an object's size and reads names raw, so a body it is not made for (an object of more than
/// <see cref="ObjectLimit"/> names, a name longer than <see cref="NameLimit"/> bytes or written with escapes, more than
/// <see cref="OpenLimit"/> names open at once) is checked by <see cref="JsonDocument"/> instead, which hashes and unescapes:
/// it takes about three times as long on a small body, and is linear on a large one.
/// </remarks>
public static class RepeatedProperties
{
    private const int ObjectLimit = 32;
    private const int NameLimit = 64;
    private const int OpenLimit = 128;
    private const int ReaderMaxDepth = 64; // Utf8JsonReader's default, which the reader here keeps

    private static readonly JsonDocumentOptions s_refuseRepeats = new() { AllowDuplicateProperties = false };

    /// <summary>What repeats, for the error message; null when nothing does. <paramref name="json"/> is valid JSON (the parser read it).</summary>
    public static string? Problem(ReadOnlyMemory<byte> json)
    {
        var span = json.Span;
        var reader = new Utf8JsonReader(span);
        // The names of the objects open now, outermost first; firstName[d] is where the names of the object opened at depth d begin.
        Span<(int Start, int Length)> names = stackalloc (int, int)[OpenLimit];
        Span<int> firstName = stackalloc int[ReaderMaxDepth + 1];
        var count = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    firstName[reader.CurrentDepth] = count;
                    break;
                case JsonTokenType.EndObject:
                    count = firstName[reader.CurrentDepth];
                    break;
                case JsonTokenType.PropertyName:
                    var name = reader.ValueSpan;
                    var first = firstName[reader.CurrentDepth - 1];
                    if (reader.ValueIsEscaped || name.Length > NameLimit || count - first == ObjectLimit || count == OpenLimit)
                    {
                        return DocumentProblem(json);
                    }

                    foreach (var (start, length) in names[first..count])
                    {
                        if (span.Slice(start, length).SequenceEqual(name))
                        {
                            return Describe(reader.GetString()!, (int)reader.TokenStartIndex);
                        }
                    }

                    names[count++] = ((int)reader.TokenStartIndex + 1, name.Length); // past the opening quote
                    break;
            }
        }

        return null;
    }

    private static string? DocumentProblem(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, s_refuseRepeats);
            return null;
        }
        catch (JsonException e)
        {
            return "an object names the same property twice: " + e.Message.TrimEnd('.');
        }
    }

    private static string Describe(string name, int at) =>
        string.Create(CultureInfo.InvariantCulture, $"an object names the same property twice: '{name}', again at byte {at}");
}
