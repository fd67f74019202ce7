namespace Tokenwise.Metering;

/// <summary>
/// A dialect's view of a relayed server-sent-event stream: <see cref="OpenAI.SseRelay"/> hands it
/// every event's <c>data</c> payload as the event passes, so it can meter the stream and hold back
/// events the client must not see.
/// </summary>
public interface IStreamMeter
{
    /// <summary>Inspects one event's <c>data</c> payload; returns false when the event must not be forwarded.</summary>
    bool Inspect(ReadOnlySpan<byte> data);
}
