using System.Collections.Concurrent;
using Tokenwise.Pricing;

namespace Tokenwise.Pipeline;

/// <summary>
/// Turns the model name a client sent into a deployment. In order: a model declared in the config;
/// <c>provider/model</c> for a configured provider; a bare name the price catalog attributes to a
/// configured provider, or lists under a configured provider's prefix; in demo mode, any catalog
/// model (bare, or as <c>provider/model</c> under the provider the catalog prices it for), served by the simulated provider.
/// </summary>
public sealed class ModelResolver
{
    // Names like "openai/anything" are resolved on the fly; the cap keeps a client sending random
    // names from growing the cache without bound.
    private const int DynamicCacheLimit = 10_000;

    private readonly IReadOnlyDictionary<string, ModelDeployment> _configured;
    private readonly IReadOnlyDictionary<string, ProviderInfo> _providers;
    private readonly PriceCatalog _catalog;
    private readonly string? _demoProvider;
    private readonly ConcurrentDictionary<string, ModelDeployment> _dynamic = new(StringComparer.Ordinal);

    public ModelResolver(IEnumerable<ModelDeployment> configured, IEnumerable<ProviderInfo> providers, PriceCatalog catalog, string? demoProvider)
    {
        _configured = configured.ToDictionary(m => m.Name, StringComparer.Ordinal);
        _providers = providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _catalog = catalog;
        _demoProvider = demoProvider;
    }

    public IEnumerable<ModelDeployment> ConfiguredModels => _configured.Values;

    public IEnumerable<ProviderInfo> Providers => _providers.Values;

    public bool TryResolve(string model, out ModelDeployment deployment, out GatewayError error)
    {
        error = null!;
        if (_configured.TryGetValue(model, out deployment!) || _dynamic.TryGetValue(model, out deployment!))
        {
            return true;
        }

        var resolved = ResolveDynamic(model, out var message);
        if (resolved is null)
        {
            error = GatewayError.ModelNotFound(message);
            return false;
        }

        if (_dynamic.Count < DynamicCacheLimit)
        {
            _dynamic.TryAdd(model, resolved);
        }

        deployment = resolved;
        return true;
    }

    private ModelDeployment? ResolveDynamic(string model, out string message)
    {
        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && _providers.TryGetValue(model[..slash], out var provider))
        {
            if (string.IsNullOrWhiteSpace(model[(slash + 1)..]))
            {
                // An empty upstream model would reach the provider (or a translation) as no model at all.
                message = $"The model '{model}' names provider '{model[..slash]}' but no model: address it as {model[..slash]}/MODEL.";
                return null;
            }

            message = "";
            return ModelDeployment.FromCatalog(model, provider, model[(slash + 1)..], _catalog);
        }

        if (slash > 0 && DemoPrefixed(model, model[..slash], model[(slash + 1)..]) is { } demoPrefixed)
        {
            message = "";
            return demoPrefixed;
        }

        var price = _catalog.Find(model);
        var owner = price?.LitellmProvider is { } catalogProvider
            ? _providers.Values.FirstOrDefault(p => string.Equals(p.CatalogProvider, catalogProvider, StringComparison.OrdinalIgnoreCase))
            : null;
        if (owner is not null)
        {
            message = "";
            return ModelDeployment.On(owner, model, model, price);
        }

        if (ResolvePrefixed(model) is { } prefixed)
        {
            message = "";
            return prefixed;
        }

        if (price?.LitellmProvider is { } unconfigured)
        {
            if (_demoProvider is not null && _providers.TryGetValue(_demoProvider, out var demo))
            {
                message = "";
                return ModelDeployment.On(demo, model, model, price);
            }

            message = $"The model '{model}' is served by provider '{unconfigured}', which is not configured. "
                + $"Configure it (for OpenAI set OPENAI_API_KEY, for Anthropic ANTHROPIC_API_KEY, for Gemini GEMINI_API_KEY) or address a configured provider as provider/model.";
            return null;
        }

        var known = _providers.Count == 0 ? "none" : string.Join(", ", _providers.Keys.Order(StringComparer.Ordinal));
        message = $"The model '{model}' does not exist or is not configured. Use a model declared under 'models' in the config, "
            + $"or address one as provider/model with a configured provider (configured providers: {known}).";
        return null;
    }

    /// <summary>
    /// In demo mode, <c>provider/model</c> for a provider that is not configured but that the catalog prices the model
    /// under (a <c>provider/model</c> key, or the bare name filed under that provider): served by the simulated provider
    /// at that price, as the bare name would be, so clients written for a gateway's <c>openai/gpt-4o-mini</c> names work.
    /// </summary>
    private ModelDeployment? DemoPrefixed(string model, string providerName, string upstreamModel)
    {
        if (_demoProvider is null || !_providers.TryGetValue(_demoProvider, out var demo) || string.IsNullOrWhiteSpace(upstreamModel))
        {
            return null;
        }

        var price = _catalog.Find(upstreamModel, providerName);
        var pricedThere = price is not null && (price.Key.Contains('/', StringComparison.Ordinal)
            || string.Equals(price.LitellmProvider, providerName, StringComparison.OrdinalIgnoreCase));
        return pricedThere ? ModelDeployment.On(demo, model, upstreamModel, price) : null;
    }

    /// <summary>
    /// A bare name the catalog lists under a configured provider's prefix: the catalog files
    /// <c>gemini-2.5-flash</c> under Vertex AI but also has <c>gemini/gemini-2.5-flash</c>, which a
    /// configured Gemini provider serves, priced at that entry (Gemini API and Vertex prices differ).
    /// </summary>
    private ModelDeployment? ResolvePrefixed(string model)
    {
        foreach (var provider in _providers.Values)
        {
            if (_catalog.Find($"{provider.CatalogProvider}/{model}") is { } price)
            {
                return ModelDeployment.On(provider, model, model, price);
            }
        }

        return null;
    }
}
