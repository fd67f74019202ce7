namespace Tokenwise.Caching;

/// <summary>
/// Turns text into unit-length vectors, so that cosine similarity is a dot product. The semantic
/// cache and <c>tokenwise cache eval</c> use the same embedder, so the figures measured are the ones served.
/// </summary>
public interface IEmbedder
{
    /// <summary>A short name for reports, e.g. <c>all-MiniLM-L6-v2</c>.</summary>
    string Name { get; }

    /// <summary>One unit vector per text, in order.</summary>
    ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
