namespace Tokenwise.Pipeline;

/// <summary>
/// Lets a client of one dialect reach a provider that speaks another: translates the request into
/// <see cref="ProviderDialect"/>, sends it through the provider, and translates the answer, the
/// stream (event by event) and the errors back into <see cref="ClientDialect"/>.
/// </summary>
public interface IDialectTranslator
{
    /// <summary>The dialect the client speaks, e.g. <c>openai</c>.</summary>
    string ClientDialect { get; }

    /// <summary>The dialect the request is translated into; the provider must accept it.</summary>
    string ProviderDialect { get; }

    /// <summary>
    /// Translates <paramref name="request"/>, sends it to <paramref name="provider"/> and returns the
    /// answer in the client's dialect, with the provider's own usage in <see cref="UpstreamResponse.ReportedUsage"/>.
    /// </summary>
    /// <exception cref="UpstreamException">The request uses a feature the provider's dialect cannot express, or the upstream failed.</exception>
    ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, IProvider provider, CancellationToken cancellationToken);
}
