using System.Buffers;
using Tokenwise.Json;

namespace Tokenwise.Streams;

/// <summary>
/// A provider's answer read with its broken text mended (<see cref="JsonUnicode.Repair"/>): invalid UTF-8 and lone surrogate
/// escapes would otherwise make every later reader of the answer (metering, translation, the cache, a cascade's checks)
/// throw after the call was paid for. Valid bytes pass through unchanged and uncopied, as they arrive: only the few last
/// bytes of a read that may be the start of a sequence the next read completes are held back until it comes.
/// </summary>
public sealed class TextRepairingStream(Stream upstream) : ReadOnlyStream
{
    private const int SmallestDirectRead = 64;
    private byte[]? _heldBack; // made only when a read ends inside a sequence
    private byte[]? _ownBuffer; // made only for a caller that reads into fewer than SmallestDirectRead bytes
    private int _heldBackCount;
    private ArrayBufferWriter<byte>? _repaired;
    private int _repairedRead;
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_repaired is not null && _repairedRead < _repaired.WrittenCount)
            {
                var count = Math.Min(buffer.Length, _repaired.WrittenCount - _repairedRead);
                _repaired.WrittenSpan.Slice(_repairedRead, count).CopyTo(buffer.Span);
                _repairedRead += count;
                return count;
            }

            if (_ended)
            {
                return 0;
            }

            // The bytes held back go first, then what upstream sends next; a caller's tiny buffer is read through our own.
            // Its contents never outlive the loop: what is kept is copied to _heldBack or _repaired.
            var target = buffer.Length >= SmallestDirectRead ? buffer : (_ownBuffer ??= new byte[4096]);
            _heldBack.AsSpan(0, _heldBackCount).CopyTo(target.Span);
            var length = _heldBackCount;
            _heldBackCount = 0;
            var read = await upstream.ReadAsync(target[length..], cancellationToken);
            _ended = read == 0;
            length += read;

            var data = target.Span[..length];
            var judged = _ended ? length : JsonUnicode.JudgedLength(data);
            _heldBackCount = length - judged;
            if (_heldBackCount > 0)
            {
                data[judged..].CopyTo(_heldBack ??= new byte[16]);
            }

            if (judged == 0 && !_ended)
            {
                continue;
            }

            var text = data[..judged];
            var valid = JsonUnicode.IsText(text);
            if (valid && target.Equals(buffer))
            {
                return judged;
            }

            _repaired ??= new ArrayBufferWriter<byte>(judged + 16);
            _repaired.ResetWrittenCount();
            _repairedRead = 0;
            if (valid)
            {
                _repaired.Write(text);
            }
            else
            {
                JsonUnicode.Repair(text, _repaired);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            upstream.Dispose();
        }

        base.Dispose(disposing);
    }
}
