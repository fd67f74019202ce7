using Microsoft.Extensions.Configuration;

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

    /// <summary>The ONNX Runtime threads one local embedding runs on; 8 ms for a 50-token prompt on two against 12 ms on one (bench/README.md).</summary>
    [ConfigurationKeyName("threads")]
    public int Threads { get; set; } = DefaultThreads;

    public const int DefaultThreads = 2;
}
