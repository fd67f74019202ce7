namespace Tokenwise.Embeddings;

public static class TextEmbedderExtensions
{
    /// <summary>
    /// One text's vector, waiting for it: for offline work (training, evaluation, tests) with a local
    /// embedder, whose answers are computed in place. Never on the request path.
    /// </summary>
    public static float[] Embed(this ITextEmbedder embedder, string text) =>
        embedder.EmbedAsync([text], CancellationToken.None).AsTask().GetAwaiter().GetResult()[0];
}
