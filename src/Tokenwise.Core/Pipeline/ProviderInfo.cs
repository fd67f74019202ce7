namespace Tokenwise.Pipeline;

/// <summary>A configured provider as model resolution sees it.</summary>
/// <param name="Name">The provider's configured name, the prefix in <c>provider/model</c>.</param>
/// <param name="CatalogProvider">Its <c>litellm_provider</c> in the price catalog, e.g. <c>openai</c>.</param>
public sealed record ProviderInfo(string Name, string CatalogProvider);
