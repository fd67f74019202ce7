using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

public sealed class StorageOptions
{
    [ConfigurationKeyName("sqlite_path")]
    public string SqlitePath { get; set; } = "tokenwise.db";

    /// <summary>Most records the background writer stores in one transaction.</summary>
    [ConfigurationKeyName("batch_size")]
    public int BatchSize { get; set; } = 1000;

    /// <summary>The usage records that may wait for the store before new requests are refused (see <see cref="Metering.UsageLog"/>).</summary>
    [ConfigurationKeyName("max_pending_records")]
    public int MaxPendingRecords { get; set; } = Metering.UsageLog.DefaultMaxPending;
}
