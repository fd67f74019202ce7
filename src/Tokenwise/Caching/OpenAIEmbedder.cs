using System.Net.Http.Headers;
using System.Text.Json;
using Tokenwise.Embeddings;

namespace Tokenwise.Caching;

/// <summary>
/// Any OpenAI-compatible <c>POST {base}/embeddings</c> endpoint (OpenAI, Azure OpenAI, Ollama, vLLM,
/// llama.cpp server, ...). Vectors are normalised here, since not every server returns unit vectors.
/// </summary>
public sealed class OpenAIEmbedder(HttpClient http, Uri baseUrl, string model, string? apiKey) : ITextEmbedder
{
    private readonly Uri _endpoint = new(baseUrl.ToString().TrimEnd('/') + "/embeddings");

    public string ModelId => model;

    public int Dimensions { get; private set; }

    public async ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("input");
            foreach (var text in texts)
            {
                writer.WriteStringValue(text);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(apiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var json = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The embeddings endpoint {_endpoint} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(json)}");
        }

        using var document = JsonDocument.Parse(json);
        var vectors = new float[texts.Count][];
        foreach (var item in document.RootElement.GetProperty("data").EnumerateArray())
        {
            var index = item.TryGetProperty("index", out var i) ? i.GetInt32() : Array.IndexOf(vectors, null);
            vectors[index] = Vectors.Normalize(item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        }

        if (Array.IndexOf(vectors, null) >= 0)
        {
            throw new HttpRequestException($"The embeddings endpoint {_endpoint} returned fewer vectors than texts.");
        }

        // A vector that is not a direction (empty, zero, infinite) cannot be compared. One of another length than earlier
        // ones (the endpoint's model changed) is the index's to pass over: each scope keeps vectors of one length.
        if (vectors.FirstOrDefault(v => v.Length == 0 || !v.All(float.IsFinite) || v.All(x => x == 0)) is { } bad)
        {
            throw new HttpRequestException($"The embeddings endpoint {_endpoint} returned a vector that cannot be compared: {bad.Length} numbers, not all finite or all zero.");
        }

        Dimensions = vectors[0].Length;
        return vectors;
    }
}
