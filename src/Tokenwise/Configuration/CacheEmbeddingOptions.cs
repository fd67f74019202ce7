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

    /// <summary>The precision a valid <see cref="Precision"/> names.</summary>
    public MiniLmPrecision LocalPrecision => ParsePrecision(Precision);

    /// <summary>The precision <c>int8</c> or <c>fp32</c> names (anything else is int8: the validator and the CLI refuse it first).</summary>
    public static MiniLmPrecision ParsePrecision(string? text) => text == "fp32" ? MiniLmPrecision.Float32 : MiniLmPrecision.Int8;
}
