using Tokenwise.Metering;

namespace Tokenwise.Hosting;

/// <summary>
/// Whether the gateway is ready to serve, read by <c>/readyz</c>: its storage is migrated, and its usage log takes
/// writes. A gateway whose store has refused writes for <see cref="UsageLogGrace"/> (a full disk, a file it may no longer
/// write) still serves, holding the records in memory until the store takes them, but says it is not ready, so a load
/// balancer sends traffic to an instance that can meter it; once the records held reach <c>storage.max_pending_records</c>,
/// it refuses new requests (<see cref="UsageLog.Admits"/>) and says <c>usage_log_full</c>.
/// </summary>
public sealed class Readiness(UsageLogWriter writer, UsageLog log)
{
    /// <summary>Longer than the writer's first retries (0.1 to 1.6 s), so one busy moment does not take the gateway out.</summary>
    public static readonly TimeSpan UsageLogGrace = TimeSpan.FromSeconds(10);

    public const string Ready = "ready";

    private volatile bool _migrated;

    /// <summary><c>starting</c>, <c>usage_log_full</c>, <c>usage_log_failing</c> or <see cref="Ready"/>.</summary>
    public string Status => !_migrated ? "starting" : log.Full ? "usage_log_full" : writer.FailingFor >= UsageLogGrace ? "usage_log_failing" : Ready;

    public void MarkReady() => _migrated = true;
}
