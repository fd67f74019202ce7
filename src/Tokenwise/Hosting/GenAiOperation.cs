namespace Tokenwise.Hosting;

/// <summary>OpenTelemetry's GenAI operation names (<c>gen_ai.operation.name</c>) for the gateway's endpoints, for its metrics and spans.</summary>
internal static class GenAiOperation
{
    public static string Of(string endpoint) => endpoint switch
    {
        "embeddings" => "embeddings",
        "messages.count_tokens" => "count_tokens",
        _ => "chat",
    };
}
