namespace Tokenwise.Embeddings;

/// <summary>
/// Turns text into a fixed-length vector. One contract for every feature that compares meanings
/// (the learned router, the semantic cache), so a prompt is embedded once per request and the
/// model can be swapped in one place.
/// </summary>
public interface ITextEmbedder
{
    /// <summary>Names the model and its output, e.g. <c>all-MiniLM-L6-v2</c>: vectors from different ids are not comparable.</summary>
    string ModelId { get; }

    /// <summary>The length of every vector this embedder returns.</summary>
    int Dimensions { get; }

    /// <summary>The text's embedding, L2-normalised (so a dot product is the cosine similarity).</summary>
    float[] Embed(string text);
}
