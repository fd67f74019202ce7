using System.Text.Json;

namespace Tokenwise.Json;

/// <summary>
/// Whether an object of a JSON body names a property twice. JSON leaves that to the reader, and readers differ:
/// <see cref="System.Text.Json.Nodes.JsonNode"/> throws, most servers keep the last, some the first. A request that did
/// could be metered, limited and routed by the gateway as one thing and run by its provider as another (the first
/// <c>model</c> run, the last billed), and it broke every translation; so the parsers refuse it.
/// </summary>
public static class RepeatedProperties
{
    private static readonly JsonDocumentOptions s_refuseRepeats = new() { AllowDuplicateProperties = false };

    /// <summary>What repeats, for the error message; null when nothing does. <paramref name="json"/> is valid JSON (the parser read it).</summary>
    public static string? Problem(ReadOnlyMemory<byte> json)
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
}
