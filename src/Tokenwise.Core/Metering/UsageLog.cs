using System.Threading.Channels;

namespace Tokenwise.Metering;

/// <summary>
/// The hand-off between the request path and the store: requests enqueue finished records without
/// waiting, and one background writer drains them in batches (see <c>UsageLogWriter</c>).
/// </summary>
/// <remarks>
/// Enqueueing never blocks or fails, so a slow disk never holds up a request and a finished request's
/// record is never dropped. What bounds the backlog is <see cref="Admits"/>: once
/// <paramref name="maxPending"/> records wait (the store has been failing for a while), new requests are
/// refused before they start, rather than the backlog growing until the process runs out of memory and
/// loses all of it. Requests already under way still enqueue theirs.
/// </remarks>
/// <param name="maxPending">The backlog at which new requests are refused (<c>storage.max_pending_records</c>).</param>
public sealed class UsageLog(int maxPending = UsageLog.DefaultMaxPending)
{
    public const int DefaultMaxPending = 200_000;

    // Not SingleReader: that variant cannot count its items, and Pending (which the writer batches by) must.
    private readonly Channel<UsageRecord> _channel = Channel.CreateUnbounded<UsageRecord>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public ChannelReader<UsageRecord> Reader => _channel.Reader;

    private long _enqueued;
    private long _refused;

    public int Pending => _channel.Reader.Count;

    public int MaxPending => maxPending;

    /// <summary>Whether the backlog has reached <see cref="MaxPending"/>.</summary>
    public bool Full => Pending >= maxPending;

    /// <summary>Requests refused because the backlog was full (see <see cref="Admits"/>).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Whether a new request may start; false, and counted in <see cref="Refused"/>, while the backlog is full.</summary>
    public bool Admits()
    {
        if (!Full)
        {
            return true;
        }

        Interlocked.Increment(ref _refused);
        return false;
    }

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
