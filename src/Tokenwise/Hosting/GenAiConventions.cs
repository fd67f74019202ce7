using System.Globalization;
using Tokenwise.Metering;

namespace Tokenwise.Hosting;

/// <summary>OpenTelemetry's GenAI conventions as the gateway's metrics and spans both apply them to a usage record.</summary>
internal static class GenAiConventions
{
    /// <summary><c>gen_ai.operation.name</c> for the gateway's endpoints.</summary>
    public static string Operation(string endpoint) => endpoint switch
    {
        "embeddings" => "embeddings",
        "messages.count_tokens" => "count_tokens",
        _ => "chat",
    };

    /// <summary><c>error.type</c>: the record's error code, else its status; null when the request did not fail.</summary>
    public static string? ErrorType(UsageRecord record) =>
        record.Status < 400 ? null : record.ErrorCode ?? record.Status.ToString(CultureInfo.InvariantCulture);
}
