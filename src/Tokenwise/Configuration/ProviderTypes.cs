namespace Tokenwise.Configuration;

/// <summary>The provider types a config can declare, with their defaults.</summary>
public static class ProviderTypes
{
    public const string OpenAI = "openai";
    public const string OpenAICompatible = "openai-compatible";
    public const string Simulated = "simulated";
    public const string Gemini = "gemini";
    public const string Anthropic = "anthropic";

    public const string OpenAIBaseUrl = "https://api.openai.com/v1";
    public const string OpenAIKeyVariable = "OPENAI_API_KEY";
    public const string OpenAIBaseUrlVariable = "OPENAI_BASE_URL";

    // Anthropic's convention (as its SDKs read ANTHROPIC_BASE_URL): the root, without /v1.
    public const string AnthropicBaseUrl = "https://api.anthropic.com";
    public const string AnthropicKeyVariable = "ANTHROPIC_API_KEY";
    public const string AnthropicBaseUrlVariable = "ANTHROPIC_BASE_URL";
    public const string GeminiKeyVariable = "GEMINI_API_KEY";
    /// <summary>Google's SDKs also read this one; GEMINI_API_KEY wins when both are set.</summary>
    public const string GoogleKeyVariable = "GOOGLE_API_KEY";
    public const string GeminiBaseUrlVariable = "GEMINI_BASE_URL";

    public static readonly IReadOnlyList<string> All = [OpenAI, OpenAICompatible, Simulated, Anthropic, Gemini];

    /// <summary>The environment variable a provider of <paramref name="type"/> takes its key from when none is configured.</summary>
    public static string? DefaultKeyVariable(string type, IReadOnlyDictionary<string, string?> environment) => type switch
    {
        OpenAI => OpenAIKeyVariable,
        Anthropic => AnthropicKeyVariable,
        Gemini => string.IsNullOrEmpty(environment.GetValueOrDefault(GeminiKeyVariable))
            && !string.IsNullOrEmpty(environment.GetValueOrDefault(GoogleKeyVariable)) ? GoogleKeyVariable : GeminiKeyVariable,
        _ => null,
    };
}
