using Microsoft.Extensions.Configuration;
using Tokenwise.Embeddings;

namespace Tokenwise.Configuration;

/// <summary>
/// The embedder of the semantic cache and learned routes: the local all-MiniLM-L6-v2 unless <see cref="Url"/>
/// names an OpenAI-compatible embeddings endpoint.
/// </summary>
public sealed class CacheEmbeddingOptions
{
    /// <summary>The endpoint's base URL (the gateway calls <c>{url}/embeddings</c>), e.g. <c>http://localhost:11434/v1</c>.</summary>
    [ConfigurationKeyName("url")]
    public string? Url { get; set; }

    /// <summary>The embedding model at <see cref="Url"/>, e.g. <c>text-embedding-3-small</c>.</summary>
    [ConfigurationKeyName("model")]
    public string? Model { get; set; }

    /// <summary>The environment variable holding the endpoint's key (none: no key is sent).</summary>
    [ConfigurationKeyName("api_key_env")]
    public string? ApiKeyEnv { get; set; }

    /// <summary>How long a lookup waits for its question's vector before it proceeds as a miss.</summary>
    [ConfigurationKeyName("timeout_ms")]
    public int TimeoutMs { get; set; } = 250;

    /// <summary>
    /// The local model's weights: <c>int8</c> (quantized at start-up, about twice as fast) or <c>fp32</c> (as the
    /// package ships them). Vectors of the two are not comparable, so each has its own embedder id.
    /// </summary>
    [ConfigurationKeyName("precision")]
    public string Precision { get; set; } = "int8";

    /// <summary>The ONNX Runtime threads one local embedding runs on (bench/README.md has the timings).</summary>
    [ConfigurationKeyName("threads")]
    public int Threads { get; set; } = DefaultThreads;

    public const int DefaultThreads = 2;

    /// <summary>The names <see cref="Precision"/> (and <c>cache eval --precision</c>) takes, and the weights each selects.</summary>
    public static IReadOnlyDictionary<string, MiniLmPrecision> Precisions { get; } = new Dictionary<string, MiniLmPrecision>(StringComparer.Ordinal)
    {
        ["int8"] = MiniLmPrecision.Int8,
        ["fp32"] = MiniLmPrecision.Float32,
    };

    /// <summary>The precision <see cref="Precision"/> names; the validator has refused any other name.</summary>
    public MiniLmPrecision LocalPrecision => Precisions[Precision];

    /// <summary>The setting's value that selects <paramref name="precision"/>.</summary>
    public static string NameOf(MiniLmPrecision precision) => Precisions.First(p => p.Value == precision).Key;
}
