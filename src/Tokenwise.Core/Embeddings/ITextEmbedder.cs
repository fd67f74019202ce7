namespace Tokenwise.Embeddings;

/// <summary>
/// Turns text into unit-length vectors (so a dot product is the cosine similarity). One contract for
/// every feature that compares meanings — the semantic cache and its <c>cache eval</c>, the learned
/// router — so the figures measured are the ones served and the model can be swapped in one place.
/// </summary>
public interface ITextEmbedder
{
    /// <summary>Names the model and its output, e.g. <c>all-MiniLM-L6-v2</c>: vectors from different ids are not comparable.</summary>
    string ModelId { get; }

    /// <summary>The length of every vector; for a remote embedder, 0 until its first answer.</summary>
    int Dimensions { get; }

    /// <summary>One unit vector per text, in order.</summary>
    ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
