using System.Buffers;
using Tokenwise.Metering;

namespace Tokenwise.Streams;

/// <summary>
/// Turns one event stream into another, one upstream event at a time: another dialect's events into the client's,
/// or the client's own with placeholders restored.
/// </summary>
public interface IStreamTranslator
{
    /// <summary>Translates one upstream event's <c>data</c> payload into zero or more events of the client's dialect.</summary>
    void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output);

    /// <summary>Called once the upstream stream has ended, for whatever the client's dialect sends last.</summary>
    void Complete(IBufferWriter<byte> output);

    /// <summary>The usage the upstream reported, in full, once its stream has reported it; null until then.</summary>
    TokenUsage? ReportedUsage { get; }

    /// <summary>
    /// What the upstream has reported so far when that is only part of its usage (an Anthropic stream
    /// reports the prompt side first); null when it reports all of it at the end, or has reported nothing.
    /// </summary>
    TokenUsage? PartialUsage => null;
}
