namespace Tokenwise.Pipeline;

/// <summary>
/// A model provider the gateway forwards to. Adapters answer in the OpenAI wire format for now;
/// dialect translation plugs in here.
/// </summary>
public interface IProvider
{
    string Name { get; }

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="deployment"/>'s upstream model and returns
    /// once the response headers arrived; the body is read by the caller.
    /// </summary>
    /// <exception cref="UpstreamException">The upstream could not be reached or timed out.</exception>
    ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, CancellationToken cancellationToken);
}
