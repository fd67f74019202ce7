namespace Tokenwise.Pipeline;

/// <summary>
/// A model provider the gateway forwards to, in the dialect it accepts; a client of another dialect
/// reaches it through an <see cref="IDialectTranslator"/> (see <see cref="ProviderDispatcher"/>).
/// </summary>
public interface IProvider
{
    string Name { get; }

    /// <summary>
    /// Whether the provider can answer a request that came in in <paramref name="dialect"/> (and answer
    /// in it). Adapters speak the OpenAI dialect unless they say otherwise; translation widens this.
    /// </summary>
    bool Accepts(string dialect) => dialect == OpenAI.OpenAIRequestParser.Dialect;

    /// <summary>Whether the provider serves OpenAI's Responses API (<c>/v1/responses</c>), which is forwarded, never translated.</summary>
    bool ServesResponses => false;

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="deployment"/>'s upstream model and returns
    /// once the response headers arrived; the body is read by the caller.
    /// </summary>
    /// <exception cref="UpstreamException">The upstream could not be reached or timed out.</exception>
    ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, CancellationToken cancellationToken);
}
