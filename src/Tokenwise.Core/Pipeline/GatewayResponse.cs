namespace Tokenwise.Pipeline;

/// <summary>What the pipeline produced: either an upstream answer to relay, or the gateway's own error.</summary>
public readonly struct GatewayResponse
{
    private GatewayResponse(UpstreamResponse? upstream, GatewayError? error)
    {
        Upstream = upstream;
        Error = error;
    }

    public UpstreamResponse? Upstream { get; }
    public GatewayError? Error { get; }

    public static GatewayResponse From(UpstreamResponse upstream) => new(upstream, null);

    public static GatewayResponse Fail(GatewayError error) => new(null, error);

    public static implicit operator GatewayResponse(GatewayError error) => Fail(error);
}
