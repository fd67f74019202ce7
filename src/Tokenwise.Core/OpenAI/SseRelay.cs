using System.Buffers;
using System.IO.Pipelines;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.OpenAI;

/// <summary>How a relayed stream ended.</summary>
public enum RelayOutcome
{
    /// <summary>The upstream finished its stream.</summary>
    Completed,
    /// <summary>The client disconnected; the upstream read was cancelled.</summary>
    ClientCancelled,
    /// <summary>The upstream sent nothing for longer than the idle-stream timeout.</summary>
    IdleTimeout,
    /// <summary>The upstream connection broke mid-stream.</summary>
    UpstreamBroken,
}

/// <summary>
/// Copies a server-sent-event stream (any dialect) from upstream to the client event by event, as the bytes
/// arrive: each complete event is inspected by the meter and written (or dropped) at once, and
/// the client is flushed after every read, so nothing is held back for buffering.
/// </summary>
public static class SseRelay
{
    private const int InitialBufferSize = 16 * 1024;

    public static async Task<RelayOutcome> RelayAsync(
        Stream upstream,
        PipeWriter client,
        IStreamMeter meter,
        TimeSpan idleTimeout,
        Action onFirstEvent,
        IBufferWriter<byte>? capture,
        CancellationToken clientAborted,
        int maxEventBytes = UpstreamResponse.MaxAnswerBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var filled = 0;
        var firstEvent = true;
        using var readCts = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // An event that never ends would otherwise grow the buffer until the gateway ran out of memory.
                    if (filled >= maxEventBytes)
                    {
                        return RelayOutcome.UpstreamBroken;
                    }

                    buffer = Grow(buffer, filled);
                }

                int read;
                try
                {
                    readCts.CancelAfter(idleTimeout);
                    read = await upstream.ReadAsync(buffer.AsMemory(filled), readCts.Token);
                }
                catch (OperationCanceledException)
                {
                    return clientAborted.IsCancellationRequested ? RelayOutcome.ClientCancelled : RelayOutcome.IdleTimeout;
                }
                catch (IOException)
                {
                    return clientAborted.IsCancellationRequested ? RelayOutcome.ClientCancelled : RelayOutcome.UpstreamBroken;
                }

                if (read == 0)
                {
                    // A last event without its blank line is still an event.
                    if (filled > 0)
                    {
                        Forward(buffer.AsSpan(0, filled), client, meter, capture);
                        await client.FlushAsync(clientAborted);
                    }

                    return RelayOutcome.Completed;
                }

                filled += read;
                var consumed = 0;
                while (TryFindEventEnd(buffer.AsSpan(consumed, filled - consumed), out var eventLength))
                {
                    if (firstEvent)
                    {
                        firstEvent = false;
                        onFirstEvent();
                    }

                    Forward(buffer.AsSpan(consumed, eventLength), client, meter, capture);
                    consumed += eventLength;
                }

                if (consumed > 0)
                {
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                    var flush = await client.FlushAsync(clientAborted);
                    if (flush.IsCanceled || flush.IsCompleted)
                    {
                        return RelayOutcome.ClientCancelled;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (clientAborted.IsCancellationRequested)
        {
            return RelayOutcome.ClientCancelled;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Forward(ReadOnlySpan<byte> sseEvent, PipeWriter client, IStreamMeter meter, IBufferWriter<byte>? capture)
    {
        if (TryGetData(sseEvent, out var data) && !meter.Inspect(data))
        {
            return;
        }

        client.Write(sseEvent);
        capture?.Write(sseEvent);
    }

    /// <summary>Finds the blank line that ends an event (LF LF or CRLF CRLF); the length includes it.</summary>
    /// <remarks>Public for adapters that translate another vendor's event stream into OpenAI's.</remarks>
    public static bool TryFindEventEnd(ReadOnlySpan<byte> bytes, out int length)
    {
        var offset = 0;
        while (true)
        {
            var lf = bytes[offset..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                length = 0;
                return false;
            }

            var at = offset + lf + 1;
            if (at < bytes.Length && bytes[at] == '\n')
            {
                length = at + 1;
                return true;
            }

            if (at + 1 < bytes.Length && bytes[at] == '\r' && bytes[at + 1] == '\n')
            {
                length = at + 2;
                return true;
            }

            offset = at;
        }
    }

    /// <summary>The event's <c>data:</c> payload (OpenAI and Anthropic send one data line per event).</summary>
    public static bool TryGetData(ReadOnlySpan<byte> sseEvent, out ReadOnlySpan<byte> data)
    {
        var line = sseEvent;
        while (!line.IsEmpty)
        {
            var end = line.IndexOf((byte)'\n');
            var current = end < 0 ? line : line[..end];
            if (current.StartsWith("data:"u8))
            {
                data = current[5..].TrimStart((byte)' ').TrimEnd((byte)'\r');
                return true;
            }

            line = end < 0 ? default : line[(end + 1)..];
        }

        data = default;
        return false;
    }

    private static byte[] Grow(byte[] buffer, int filled)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, filled).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }
}
