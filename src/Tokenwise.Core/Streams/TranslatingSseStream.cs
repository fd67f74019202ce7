using System.Buffers;
using Tokenwise.OpenAI;

namespace Tokenwise.Streams;

/// <summary>
/// One dialect's server-sent-event body read as another's: each read pulls from upstream only until at
/// least one whole upstream event has been translated, so events flow through one by one and nothing is
/// buffered beyond the event being read. Cancellation and I/O errors of the upstream read pass through
/// unchanged, so the relay still tells a client that left from an idle or broken upstream.
/// </summary>
public sealed class TranslatingSseStream(Stream upstream, IStreamTranslator translator, int maxEventBytes = Pipeline.UpstreamResponse.MaxAnswerBytes) : ReadOnlyStream
{
    private readonly ArrayBufferWriter<byte> _translated = new(4096);
    private byte[] _pending = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _pendingCount;
    private int _translatedRead;
    private bool _upstreamEnded;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_translatedRead == _translated.WrittenCount)
        {
            if (_upstreamEnded)
            {
                return 0;
            }

            _translated.ResetWrittenCount();
            _translatedRead = 0;
            if (_pendingCount == _pending.Length)
            {
                if (_pendingCount >= maxEventBytes)
                {
                    // An event that never ends: the relay takes the stream as broken, as it does an untranslated one.
                    throw new IOException($"The upstream sent an event of more than {maxEventBytes} bytes.");
                }

                var bigger = ArrayPool<byte>.Shared.Rent(_pending.Length * 2);
                _pending.AsSpan(0, _pendingCount).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = bigger;
            }

            var read = await upstream.ReadAsync(_pending.AsMemory(_pendingCount), cancellationToken);
            if (read == 0)
            {
                // A last event without its blank line is still an event.
                TranslateEvent(_pending.AsSpan(0, _pendingCount));
                _pendingCount = 0;
                translator.Complete(_translated);
                _upstreamEnded = true;
                continue;
            }

            _pendingCount += read;
            var consumed = 0;
            while (SseRelay.TryFindEventEnd(_pending.AsSpan(consumed, _pendingCount - consumed), out var length))
            {
                TranslateEvent(_pending.AsSpan(consumed, length));
                consumed += length;
            }

            _pending.AsSpan(consumed, _pendingCount - consumed).CopyTo(_pending);
            _pendingCount -= consumed;
        }

        var count = Math.Min(buffer.Length, _translated.WrittenCount - _translatedRead);
        _translated.WrittenMemory.Slice(_translatedRead, count).CopyTo(buffer);
        _translatedRead += count;
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _pending.Length > 0)
        {
            upstream.Dispose();
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = [];
        }

        base.Dispose(disposing);
    }

    private void TranslateEvent(ReadOnlySpan<byte> sseEvent)
    {
        if (SseRelay.TryGetData(sseEvent, out var data) && !data.IsEmpty)
        {
            translator.Translate(data, _translated);
        }
        else if (sseEvent.StartsWith(":"u8))
        {
            // An upstream's keep-alive comment (OpenRouter's ": OPENROUTER PROCESSING") has nothing to
            // translate, but passed on as one it keeps the client's stream, and the gateway's idle
            // timeout, as alive as the upstream is.
            _translated.Write(": keep-alive\n\n"u8);
        }
    }
}
