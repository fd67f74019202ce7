using System.Text.Json;
using System.Text.Json.Nodes;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation;

/// <summary>What every translation from OpenAI's requests reads the same way, whatever the dialect: media URLs and stop sequences.</summary>
internal static class OpenAIRequestReader
{
    /// <summary>An <c>image_url</c> part's URL (given as a string or as <c>{"url": ...}</c>): a data: URL, or an http(s) URL.</summary>
    /// <exception cref="UnsupportedFeature">There is no URL, or it is neither kind.</exception>
    public static (string Url, bool IsData) ImageUrl(JsonNode? imageUrl, string path)
    {
        var url = Str(imageUrl) ?? Str(Member(imageUrl, "url")) ?? throw new UnsupportedFeature(path + ".url", $"'{path}.url' is required.", "invalid_value");
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return (url, true);
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? (url, false)
            : throw new UnsupportedFeature(path + ".url", $"'{path}.url' must be a data: URL or an http(s) URL.", "invalid_value");
    }

    /// <summary><c>data:image/png;base64,AAAA</c> → (<c>image/png</c>, <c>AAAA</c>).</summary>
    /// <exception cref="UnsupportedFeature">It is not a base64 data: URL with a MIME type.</exception>
    public static (string MediaType, string Data) Base64DataUrl(string dataUrl, string path)
    {
        var comma = dataUrl.IndexOf(',', StringComparison.Ordinal);
        var header = comma < 0 ? "" : dataUrl[5..comma];
        if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase) || header.Length == ";base64".Length)
        {
            throw new UnsupportedFeature(path, $"'{path}' must be a base64 data: URL with a MIME type, such as data:image/png;base64,....", "invalid_value");
        }

        return (header[..^";base64".Length], dataUrl[(comma + 1)..]);
    }

    /// <summary><c>stop</c> (a string or an array of strings) as an array of strings.</summary>
    /// <exception cref="UnsupportedFeature">It is neither.</exception>
    public static JsonArray StopSequences(JsonNode value) => value switch
    {
        JsonArray items when items.All(s => s?.GetValueKind() == JsonValueKind.String) => (JsonArray)items.DeepClone(),
        JsonValue when value.GetValueKind() == JsonValueKind.String => [value.DeepClone()],
        _ => throw new UnsupportedFeature("stop", "'stop' must be a string or an array of strings.", "invalid_value"),
    };
}
