using System.Buffers;
using System.Text.Json;

namespace Tokenwise.Metering;

/// <summary>
/// The text of a prompt gathered from its JSON for counting, in one pooled buffer: the estimators run on
/// the request path (budget reservations), so they copy strings straight out of the reader instead of
/// allocating one string per value.
/// </summary>
public sealed class PromptText : IDisposable
{
    private char[] _buffer;
    private int _length;

    public PromptText(int capacityHint) => _buffer = ArrayPool<char>.Shared.Rent(Math.Max(256, capacityHint));

    /// <summary>Appends the reader's current string value and a newline.</summary>
    public void AppendValue(ref Utf8JsonReader reader)
    {
        // Unescaped, a string has at most as many chars as its UTF-8 bytes.
        var most = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        Ensure(most + 1);
        _length += reader.CopyString(_buffer.AsSpan(_length));
        _buffer[_length++] = '\n';
    }

    public int Count(string model) => _length == 0 ? 0 : TokenEstimator.ForModel(model).CountTokens(_buffer.AsSpan(0, _length));

    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
