using Tokenwise.Pricing;

namespace Tokenwise.Pipeline;

/// <summary>Where a client-facing model name is served: a provider, the model name it knows, and the price.</summary>
/// <param name="Name">The name clients use.</param>
/// <param name="Provider">The configured provider's name.</param>
/// <param name="UpstreamModel">The model name sent to the provider.</param>
/// <param name="Price">What a token costs; <see cref="ModelPrice.Free"/> when unpriced.</param>
/// <param name="Priced">False when neither the catalog nor the config knows a price, so cost reads as zero.</param>
public sealed record ModelDeployment(string Name, string Provider, string UpstreamModel, ModelPrice Price, bool Priced = true)
{
    /// <summary>A deployment of <paramref name="upstreamModel"/> on <paramref name="provider"/>, priced from the catalog.</summary>
    public static ModelDeployment FromCatalog(string name, ProviderInfo provider, string upstreamModel, PriceCatalog catalog)
    {
        var price = catalog.Find(upstreamModel, provider.CatalogProvider);
        return new ModelDeployment(name, provider.Name, upstreamModel, price ?? ModelPrice.Free(upstreamModel), price is not null);
    }
}
