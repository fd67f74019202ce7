using Tokenwise.Configuration;

namespace Tokenwise.Tests.Configuration;

/// <summary>OpenAI-compatible servers from the environment: one provider per family, named and priced like it.</summary>
public sealed class OpenAICompatibleFamiliesTests
{
    [Theory]
    [InlineData("GROQ_API_KEY", "groq", "https://api.groq.com/openai/v1", "groq")]
    [InlineData("MISTRAL_API_KEY", "mistral", "https://api.mistral.ai/v1", "mistral")]
    [InlineData("DEEPSEEK_API_KEY", "deepseek", "https://api.deepseek.com/v1", "deepseek")]
    [InlineData("OPENROUTER_API_KEY", "openrouter", "https://openrouter.ai/api/v1", "openrouter")]
    [InlineData("TOGETHER_API_KEY", "together", "https://api.together.xyz/v1", "together_ai")]
    [InlineData("FIREWORKS_API_KEY", "fireworks", "https://api.fireworks.ai/inference/v1", "fireworks_ai")]
    public void AHostedFamilyComesFromItsKey(string variable, string name, string baseUrl, string catalogProvider)
    {
        var options = SettingsLoader.Load(null, new Dictionary<string, string?> { [variable] = "sk-x" });

        var provider = Assert.Single(options.Providers).Value;
        Assert.Equal(name, Assert.Single(options.Providers).Key);
        Assert.Equal((ProviderTypes.OpenAICompatible, baseUrl, variable, catalogProvider, (bool?)null, (string?)null),
            (provider.Type, provider.BaseUrl, provider.ApiKeyEnv, provider.CatalogProvider, provider.Local, provider.ApiKeyHeader));
    }

    [Theory]
    [InlineData("OLLAMA_BASE_URL", "http://localhost:11434", "ollama", "http://localhost:11434/v1", "ollama")]
    [InlineData("OLLAMA_BASE_URL", "http://gpu-box:11434/v1/", "ollama", "http://gpu-box:11434/v1", "ollama")]
    [InlineData("VLLM_BASE_URL", "http://127.0.0.1:8000/v1", "vllm", "http://127.0.0.1:8000/v1", "hosted_vllm")]
    [InlineData("LLAMACPP_BASE_URL", "http://127.0.0.1:8080", "llamacpp", "http://127.0.0.1:8080/v1", "llamacpp")]
    public void ALocalFamilyComesFromItsBaseUrlAndNeedsNoKey(string variable, string value, string name, string baseUrl, string catalogProvider)
    {
        var options = SettingsLoader.Load(null, new Dictionary<string, string?> { [variable] = value });

        var (key, provider) = Assert.Single(options.Providers);
        Assert.Equal((name, baseUrl, (string?)null, catalogProvider, (bool?)true),
            (key, provider.BaseUrl, provider.ApiKeyEnv, provider.CatalogProvider, provider.Local));
    }

    [Fact]
    public void AzureNeedsItsKeyAndEndpointAndUsesTheV1ApiWithAnApiKeyHeader()
    {
        Assert.Empty(SettingsLoader.Load(null, new Dictionary<string, string?> { ["AZURE_OPENAI_API_KEY"] = "k" }).Providers);

        var options = SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["AZURE_OPENAI_API_KEY"] = "k",
            ["AZURE_OPENAI_ENDPOINT"] = "https://contoso.openai.azure.com/",
        });

        var azure = options.Providers["azure"];
        Assert.Equal(("https://contoso.openai.azure.com/openai/v1", "AZURE_OPENAI_API_KEY", "azure", "api-key"),
            (azure.BaseUrl, azure.ApiKeyEnv, azure.CatalogProvider, azure.ApiKeyHeader));
    }

    [Fact]
    public void AConfiguredProviderOfTheSameNameWins()
    {
        var directory = Directory.CreateTempSubdirectory("tokenwise-families-").FullName;
        var path = Path.Combine(directory, "tokenwise.yaml");
        File.WriteAllText(path, "providers:\n  groq:\n    type: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    api_key: from-file\n");

        var options = SettingsLoader.Load(path, new Dictionary<string, string?> { ["GROQ_API_KEY"] = "sk-env" });
        Directory.Delete(directory, recursive: true);

        Assert.Equal(("http://127.0.0.1:9/v1", "from-file"), (options.Providers["groq"].BaseUrl, options.Providers["groq"].ApiKey));
    }

    [Fact]
    public void FamilyNamesAreUnique() =>
        Assert.Equal(OpenAICompatibleFamilies.All.Count, OpenAICompatibleFamilies.All.Select(f => f.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());

    [Theory]
    [InlineData("cost_per_hour_usd", "-1", "must be from 0 to 100000 USD, got -1.")]
    [InlineData("cost_per_hour_usd", "1e25", "must be from 0 to 100000 USD, got 10000000000000000000000000.")]
    [InlineData("api_key_header", "bad header", "must be a header name")]
    [InlineData("http_version", "3", "must be 'auto', '1.1' or '2'")]
    public void LocalAndHeaderSettingsAreValidated(string setting, string value, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(null, new Dictionary<string, string?>(), new Dictionary<string, string?>
        {
            ["providers:box:type"] = "openai-compatible",
            ["providers:box:base_url"] = "http://127.0.0.1:9/v1",
            [$"providers:box:{setting}"] = value,
        }));

        Assert.Contains($"providers.box.{setting}", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
