using Microsoft.Extensions.Configuration;
using Tokenwise.Pipeline;

namespace Tokenwise.Configuration;

public sealed class UpstreamOptions
{
    /// <summary>
    /// The longest timeout a setting may give: a day. Longer waits are not meant, and timers cannot hold much more
    /// (a cancellation timer takes at most about 49 days).
    /// </summary>
    public const double MaxTimeoutSeconds = 86_400;

    /// <summary>What is wrong with a timeout setting of <paramref name="seconds"/>; null when nothing is.</summary>
    public static string? TimeoutProblem(double seconds) => seconds is > 0 and <= MaxTimeoutSeconds ? null
        : $"must be a number of seconds greater than 0 and at most {MaxTimeoutSeconds} (a day), got {seconds}.";

    [ConfigurationKeyName("connect_timeout_seconds")]
    public double ConnectTimeoutSeconds { get; set; } = UpstreamTimeouts.Default.Connect.TotalSeconds;

    [ConfigurationKeyName("first_byte_timeout_seconds")]
    public double FirstByteTimeoutSeconds { get; set; } = UpstreamTimeouts.Default.FirstByte.TotalSeconds;

    [ConfigurationKeyName("total_timeout_seconds")]
    public double TotalTimeoutSeconds { get; set; } = UpstreamTimeouts.Default.Total.TotalSeconds;

    [ConfigurationKeyName("stream_idle_timeout_seconds")]
    public double StreamIdleTimeoutSeconds { get; set; } = UpstreamTimeouts.Default.StreamIdle.TotalSeconds;

    /// <summary>Idle pooled connections are closed after this long.</summary>
    [ConfigurationKeyName("pooled_connection_idle_seconds")]
    public double PooledConnectionIdleSeconds { get; set; } = 90;

    public UpstreamTimeouts ToTimeouts() => new(
        TimeSpan.FromSeconds(ConnectTimeoutSeconds),
        TimeSpan.FromSeconds(FirstByteTimeoutSeconds),
        TimeSpan.FromSeconds(TotalTimeoutSeconds),
        TimeSpan.FromSeconds(StreamIdleTimeoutSeconds));
}
