namespace Tokenwise.Pipeline;

/// <summary>A configured provider as model resolution (and routing) sees it.</summary>
/// <param name="Name">The provider's configured name, the prefix in <c>provider/model</c>.</param>
/// <param name="CatalogProvider">Its <c>litellm_provider</c> in the price catalog, e.g. <c>openai</c>.</param>
/// <param name="Local">
/// Runs on the operator's own hardware (Ollama, vLLM, llama.cpp, ...): its tokens cost nothing, and prompts
/// sent to it do not leave the operator's control (sensitivity routing may send secrets only here).
/// </param>
/// <param name="CostPerHourUsd">When set, requests are priced by the time the upstream spent on them, not by token.</param>
public sealed record ProviderInfo(string Name, string CatalogProvider, bool Local = false, decimal? CostPerHourUsd = null);
