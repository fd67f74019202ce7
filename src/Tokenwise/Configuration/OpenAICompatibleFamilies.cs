namespace Tokenwise.Configuration;

/// <summary>
/// A family of OpenAI-compatible servers that the environment can add as a provider, as
/// <c>OPENAI_API_KEY</c> adds <c>openai</c>: where its API lives by default, which variables turn it on,
/// and how the price catalog (LiteLLM's <c>litellm_provider</c>) names it.
/// </summary>
/// <param name="Name">The provider's name, the prefix in <c>name/model</c>.</param>
/// <param name="KeyVariable">The key's variable; for a hosted family, setting it adds the provider.</param>
/// <param name="BaseUrlVariable">Overrides the base URL; for a local family, setting it adds the provider.</param>
/// <param name="DefaultBaseUrl">The API root when <paramref name="BaseUrlVariable"/> is not set (null: the variable is required).</param>
/// <param name="CatalogProvider">Its <c>litellm_provider</c> in the price catalog.</param>
/// <param name="Local">Runs on the operator's hardware: tokens are free, added by its base URL alone, the key optional.</param>
/// <param name="BaseUrlSuffix">Appended to the base URL variable's value (Azure's endpoint is the resource root).</param>
/// <param name="ApiKeyHeader">The header that carries the key unprefixed, instead of <c>Authorization: Bearer</c>.</param>
public sealed record OpenAICompatibleFamily(
    string Name,
    string KeyVariable,
    string BaseUrlVariable,
    string? DefaultBaseUrl,
    string CatalogProvider,
    bool Local = false,
    string BaseUrlSuffix = "",
    string? ApiKeyHeader = null)
{
    /// <summary>The provider this family adds given <paramref name="environment"/>, or null when its variables are not set.</summary>
    public ProviderOptions? FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        var key = environment.GetValueOrDefault(KeyVariable);
        var baseUrl = environment.GetValueOrDefault(BaseUrlVariable);
        var hasKey = !string.IsNullOrEmpty(key);
        var hasBaseUrl = !string.IsNullOrEmpty(baseUrl);
        if (Local ? !hasBaseUrl : !hasKey || (DefaultBaseUrl is null && !hasBaseUrl))
        {
            return null;
        }

        return new ProviderOptions
        {
            Type = ProviderTypes.OpenAICompatible,
            BaseUrl = hasBaseUrl ? WithApiPath(baseUrl!) : DefaultBaseUrl,
            ApiKeyEnv = hasKey ? KeyVariable : null,
            CatalogProvider = CatalogProvider,
            Local = Local ? true : null,
            ApiKeyHeader = ApiKeyHeader,
        };
    }

    /// <summary>
    /// The API root from a variable's value: with <see cref="BaseUrlSuffix"/> appended, or, for a bare
    /// host such as <c>http://localhost:11434</c> (how Ollama's own tools write it), with <c>/v1</c>.
    /// </summary>
    private string WithApiPath(string baseUrl)
    {
        var trimmed = baseUrl.TrimEnd('/');
        if (BaseUrlSuffix.Length > 0)
        {
            return trimmed + BaseUrlSuffix;
        }

        return Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && uri.AbsolutePath is "/" or "" ? trimmed + "/v1" : trimmed;
    }
}

/// <summary>The one table of OpenAI-compatible families the environment can add (see docs/configuration.md).</summary>
public static class OpenAICompatibleFamilies
{
    public static readonly IReadOnlyList<OpenAICompatibleFamily> All =
    [
        new("groq", "GROQ_API_KEY", "GROQ_BASE_URL", "https://api.groq.com/openai/v1", "groq"),
        new("mistral", "MISTRAL_API_KEY", "MISTRAL_BASE_URL", "https://api.mistral.ai/v1", "mistral"),
        new("deepseek", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "https://api.deepseek.com/v1", "deepseek"),
        new("openrouter", "OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1", "openrouter"),
        new("together", "TOGETHER_API_KEY", "TOGETHER_BASE_URL", "https://api.together.xyz/v1", "together_ai"),
        new("fireworks", "FIREWORKS_API_KEY", "FIREWORKS_BASE_URL", "https://api.fireworks.ai/inference/v1", "fireworks_ai"),
        // Azure OpenAI's v1 API: {endpoint}/openai/v1/chat/completions (and /responses, /embeddings), the deployment
        // name as "model", no api-version, the key in an api-key header.
        new("azure", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", null, "azure", BaseUrlSuffix: "/openai/v1", ApiKeyHeader: "api-key"),
        new("ollama", "OLLAMA_API_KEY", "OLLAMA_BASE_URL", null, "ollama", Local: true),
        new("vllm", "VLLM_API_KEY", "VLLM_BASE_URL", null, "hosted_vllm", Local: true),
        new("llamacpp", "LLAMACPP_API_KEY", "LLAMACPP_BASE_URL", null, "llamacpp", Local: true),
    ];
}
