namespace Tokenwise.Pipeline;

/// <summary>
/// The upstream could not be reached or did not answer in time, or (for a translating adapter) the
/// request uses a feature the upstream cannot express; carries the error for the client.
/// </summary>
public sealed class UpstreamException(GatewayError error, Exception? inner = null) : Exception(error.Message, inner)
{
    public GatewayError Error { get; } = error;
}
