using Tokenwise.Pipeline;
using Tokenwise.Pricing;

namespace Tokenwise.Tests.Pipeline;

public sealed class ModelResolverTests
{
    private static readonly ProviderInfo OpenAI = new("openai", "openai");
    private static readonly ProviderInfo Local = new("local", "local");

    [Fact]
    public void ProviderSlashModelPricesFromTheCatalog()
    {
        var resolver = new ModelResolver([], [OpenAI], PriceCatalog.Embedded, null);
        Assert.True(resolver.TryResolve("openai/gpt-4o-mini", out var d, out _));
        Assert.Equal(("openai", "gpt-4o-mini", true), (d.Provider, d.UpstreamModel, d.Priced));
        Assert.Equal(0.00000015m, d.Price.InputPerToken);
    }

    [Fact]
    public void ABareCatalogNameGoesToItsConfiguredProvider()
    {
        var resolver = new ModelResolver([], [Local, OpenAI], PriceCatalog.Embedded, null);
        Assert.True(resolver.TryResolve("gpt-4o", out var d, out _));
        Assert.Equal("openai", d.Provider);
    }

    [Fact]
    public void ABareGeminiNameGoesToTheGeminiProviderAtGeminiApiPrices()
    {
        // The catalog files gemini-2.0-flash-001 under Vertex AI ($0.15/M input) and gemini/gemini-2.0-flash-001 at $0.10/M.
        var resolver = new ModelResolver([], [OpenAI, new ProviderInfo("google", "gemini")], PriceCatalog.Embedded, null);
        Assert.True(resolver.TryResolve("gemini-2.0-flash-001", out var d, out _));
        Assert.Equal(("google", "gemini-2.0-flash-001", 0.0000001m), (d.Provider, d.UpstreamModel, d.Price.InputPerToken));
    }

    [Fact]
    public void UnknownLocalModelsAreServedUnpriced()
    {
        var resolver = new ModelResolver([], [Local], PriceCatalog.Embedded, null);
        Assert.True(resolver.TryResolve("local/llama3.2", out var d, out _));
        Assert.False(d.Priced);
        Assert.Equal(0m, d.Price.InputPerToken);
    }

    [Theory]
    [InlineData("openai/")]
    [InlineData("openai/ ")]
    public void AProviderWithoutAModelIsNotFound(string model)
    {
        // It reached the provider as an empty model, and an Anthropic request translated for it failed with a 500.
        var resolver = new ModelResolver([], [OpenAI], PriceCatalog.Embedded, null);
        Assert.False(resolver.TryResolve(model, out _, out var error));
        Assert.Equal((404, "model_not_found"), (error.Status, error.Code));
        Assert.Contains("names provider 'openai' but no model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelOfAnUnconfiguredProviderSaysWhatIsMissing()
    {
        var resolver = new ModelResolver([], [Local], PriceCatalog.Embedded, null);
        Assert.False(resolver.TryResolve("gpt-4o", out _, out var error));
        Assert.Equal((404, "model_not_found"), (error.Status, error.Code));
        Assert.Contains("OPENAI_API_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DemoModeServesCatalogModelsFromTheSimulatedProvider()
    {
        var resolver = new ModelResolver([], [new ProviderInfo("simulated", "simulated")], PriceCatalog.Embedded, "simulated");
        Assert.True(resolver.TryResolve("claude-sonnet-4-5", out var d, out _));
        Assert.Equal("simulated", d.Provider);
        Assert.Equal(0.000003m, d.Price.InputPerToken);
    }

    [Theory]
    [InlineData("openai/gpt-4o-mini", "gpt-4o-mini", "0.00000015")]
    [InlineData("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5", "0.000003")]
    [InlineData("gemini/gemini-2.5-flash", "gemini-2.5-flash", "0.0000003")] // the Gemini API's price, not Vertex AI's
    public void DemoModeServesProviderSlashModelNamesAtThatProvidersPrice(string model, string upstream, string input)
    {
        var resolver = new ModelResolver([], [new ProviderInfo("simulated", "simulated")], PriceCatalog.Embedded, "simulated");
        Assert.True(resolver.TryResolve(model, out var d, out _));
        Assert.Equal(("simulated", upstream, model), (d.Provider, d.UpstreamModel, d.Name));
        Assert.Equal(decimal.Parse(input, System.Globalization.CultureInfo.InvariantCulture), d.Price.InputPerToken);

        // A provider the catalog does not price the model for is no name of it; without demo mode the name needs its provider.
        Assert.False(resolver.TryResolve("anthropic/gpt-4o-mini", out _, out _));
        Assert.False(new ModelResolver([], [Local], PriceCatalog.Embedded, null).TryResolve(model, out _, out _));
    }

    [Theory]
    [InlineData("gpt-4o-search-preview", ApiKind.ChatCompletions, true)]
    [InlineData("openai/gpt-4o-mini-search-preview-2025-03-11", ApiKind.ChatCompletions, true)]
    [InlineData("gpt-5-search-api", ApiKind.Messages, true)]          // an Anthropic client, through the translation
    [InlineData("gpt-4o-mini", ApiKind.ChatCompletions, false)]
    [InlineData("openai/text-search-ada-doc-001", ApiKind.Embeddings, false)] // an old embeddings model, not a search
    public void OpenAIsSearchModelsSearchOnEveryChatCall(string model, ApiKind api, bool searches)
    {
        var resolver = new ModelResolver([], [OpenAI], PriceCatalog.Embedded, null);
        Assert.True(resolver.TryResolve(model, out var deployment, out _));
        Assert.Equal(searches, deployment.SearchesEveryCall(api));
    }

    [Fact]
    public void ConfiguredNamesWin()
    {
        var fast = new ModelDeployment("gpt-4o", "local", "llama3.2", ModelPrice.Free("llama3.2"));
        var resolver = new ModelResolver([fast], [Local, OpenAI], PriceCatalog.Embedded, null);
        Assert.True(resolver.TryResolve("gpt-4o", out var d, out _));
        Assert.Same(fast, d);
    }
}
