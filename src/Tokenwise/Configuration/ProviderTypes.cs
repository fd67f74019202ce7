namespace Tokenwise.Configuration;

/// <summary>The provider types a config can declare, with their defaults.</summary>
public static class ProviderTypes
{
    public const string OpenAI = "openai";
    public const string OpenAICompatible = "openai-compatible";
    public const string Simulated = "simulated";

    public const string OpenAIBaseUrl = "https://api.openai.com/v1";
    public const string OpenAIKeyVariable = "OPENAI_API_KEY";
    public const string OpenAIBaseUrlVariable = "OPENAI_BASE_URL";

    public static readonly IReadOnlyList<string> All = [OpenAI, OpenAICompatible, Simulated];
}
