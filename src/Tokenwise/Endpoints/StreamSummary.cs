using Tokenwise.Metering;

namespace Tokenwise.Endpoints;

/// <summary>What a stream meter found once a relayed stream ended.</summary>
/// <param name="Usage">The provider's complete usage; null when it did not arrive (the record is then estimated).</param>
/// <param name="Complete">The stream reached its proper end, so it may be cached.</param>
/// <param name="ErrorCode">The code of an error the upstream ended its stream with, if any.</param>
public readonly record struct StreamSummary(TokenUsage? Usage, string GeneratedText, bool Complete, string? ErrorCode);
