namespace Tokenwise.Pipeline;

/// <summary>The upstream could not be reached or did not answer in time; carries the error for the client.</summary>
public sealed class UpstreamException(GatewayError error, Exception? inner = null) : Exception(error.Message, inner)
{
    public GatewayError Error { get; } = error;
}
