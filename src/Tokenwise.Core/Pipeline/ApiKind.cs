namespace Tokenwise.Pipeline;

/// <summary>The API a request came in on.</summary>
public enum ApiKind
{
    ChatCompletions,
    Embeddings,
}
