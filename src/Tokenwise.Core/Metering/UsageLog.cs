using System.Threading.Channels;

namespace Tokenwise.Metering;

/// <summary>
/// The hand-off between the request path and the store: requests enqueue finished records without
/// waiting, and one background writer drains them in batches (see <c>UsageLogWriter</c>).
/// </summary>
/// <remarks>
/// The channel is unbounded on purpose: a slow disk must never block or fail a request, and a usage
/// record must never be dropped. <see cref="Pending"/> exposes the backlog for monitoring.
/// </remarks>
public sealed class UsageLog
{
    // Not SingleReader: that variant cannot count its items, and Pending (which the writer batches by) must.
    private readonly Channel<UsageRecord> _channel = Channel.CreateUnbounded<UsageRecord>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public ChannelReader<UsageRecord> Reader => _channel.Reader;

    private long _enqueued;

    public int Pending => _channel.Reader.Count;

    /// <summary>Records accepted since start.</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    public void Enqueue(UsageRecord record)
    {
        if (!_channel.Writer.TryWrite(record))
        {
            throw new InvalidOperationException("The usage log is closed; the gateway is shutting down.");
        }

        Interlocked.Increment(ref _enqueued);
    }

    /// <summary>Stops accepting records; the writer drains what is queued and then finishes.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
