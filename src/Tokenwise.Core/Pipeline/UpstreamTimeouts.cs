namespace Tokenwise.Pipeline;

/// <summary>How long the gateway waits on an upstream at each phase of a call.</summary>
/// <param name="Connect">To open the TCP/TLS connection.</param>
/// <param name="FirstByte">From sending the request to receiving the response headers.</param>
/// <param name="Total">For the whole call, body included.</param>
/// <param name="StreamIdle">Between two reads of a streamed body.</param>
public sealed record UpstreamTimeouts(TimeSpan Connect, TimeSpan FirstByte, TimeSpan Total, TimeSpan StreamIdle)
{
    public static UpstreamTimeouts Default { get; } = new(
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(120), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(120));
}
