using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

public sealed class ProviderOptions
{
    /// <summary><c>openai</c>, <c>openai-compatible</c>, <c>anthropic</c>, <c>gemini</c> or <c>simulated</c>.</summary>
    [ConfigurationKeyName("type")]
    public string? Type { get; set; }

    [ConfigurationKeyName("base_url")]
    public string? BaseUrl { get; set; }

    /// <summary>The API key itself; prefer <see cref="ApiKeyEnv"/> so keys stay out of files.</summary>
    [ConfigurationKeyName("api_key")]
    public string? ApiKey { get; set; }

    /// <summary>The environment variable holding the API key.</summary>
    [ConfigurationKeyName("api_key_env")]
    public string? ApiKeyEnv { get; set; }

    /// <summary>The provider's name in the price catalog (<c>litellm_provider</c>); defaults by type.</summary>
    [ConfigurationKeyName("catalog_provider")]
    public string? CatalogProvider { get; set; }

    /// <summary>
    /// Runs on the operator's own hardware: its tokens cost nothing (unless <see cref="CostPerHourUsd"/> is set),
    /// and routing may treat prompts sent to it as staying in-house. Defaults to true for the local families
    /// added from the environment (Ollama, vLLM, llama.cpp).
    /// </summary>
    [ConfigurationKeyName("local")]
    public bool? Local { get; set; }

    /// <summary>Prices each request at this × the time the upstream spent on it / one hour, instead of by token.</summary>
    [ConfigurationKeyName("cost_per_hour_usd")]
    public decimal? CostPerHourUsd { get; set; }

    /// <summary>OpenAI-compatible only: send the key in this header, unprefixed (Azure's <c>api-key</c>), instead of <c>Authorization: Bearer</c>.</summary>
    [ConfigurationKeyName("api_key_header")]
    public string? ApiKeyHeader { get; set; }

    /// <summary>
    /// <c>auto</c> (default): HTTP/2 when the provider offers it over TLS, else HTTP/1.1; <c>1.1</c>: always HTTP/1.1;
    /// <c>2</c>: always HTTP/2, in cleartext too (prior knowledge), for a local server or sidecar that speaks it.
    /// </summary>
    [ConfigurationKeyName("http_version")]
    public string? HttpVersion { get; set; }

    /// <summary>Simulated provider only: <c>realistic</c> (default) or <c>none</c>.</summary>
    [ConfigurationKeyName("latency")]
    public string? Latency { get; set; }
}
