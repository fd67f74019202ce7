using Tokenwise.Embeddings;

namespace Tokenwise.Hosting;

/// <summary>What <c>tokenwise serve</c> (or a test) starts the gateway with.</summary>
public sealed class GatewayStartOptions
{
    /// <summary>The YAML config file, if any.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Settings that win over the file and environment, by configuration key (<c>server:urls</c>, <c>demo</c>).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Environment variables to read provider keys and TOKENWISE_* settings from; the process environment by default.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Embeds text for every feature that compares meaning (the semantic cache, learned routes) instead of the
    /// embedder the settings name (tests pass a fast stand-in for all-MiniLM-L6-v2); the caller disposes it.
    /// </summary>
    public ITextEmbedder? Embedder { get; init; }

    /// <summary>Adjusts logging, e.g. to silence it in tests and benchmarks.</summary>
    public Action<ILoggingBuilder>? Logging { get; init; }
}
