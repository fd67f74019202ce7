namespace Tokenwise.Pipeline;

/// <summary>The API a request came in on.</summary>
public enum ApiKind
{
    ChatCompletions,
    Embeddings,
    /// <summary>OpenAI's Responses API, <c>/v1/responses</c>.</summary>
    Responses,
    /// <summary>Anthropic's <c>/v1/messages</c>.</summary>
    Messages,
    /// <summary>Anthropic's <c>/v1/messages/count_tokens</c>.</summary>
    CountTokens,
}
