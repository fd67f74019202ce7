namespace Tokenwise.Pipeline;

/// <summary>
/// The pipeline's last step: sends the request to the deployment's provider, natively when the provider
/// accepts the client's dialect, else through a translator from the client's dialect to one the
/// provider accepts, else it answers 400 <c>translation_unavailable</c>.
/// </summary>
public sealed class ProviderDispatcher(IEnumerable<IProvider> providers, IEnumerable<IDialectTranslator> translators)
{
    private readonly Dictionary<string, IProvider> _providers = providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
    private readonly IDialectTranslator[] _translators = translators.ToArray();

    public async ValueTask<GatewayResponse> InvokeAsync(GatewayContext context)
    {
        var deployment = context.Deployment
            ?? throw new InvalidOperationException("Model resolution must run before the provider is called.");
        if (!_providers.TryGetValue(deployment.Provider, out var provider))
        {
            return GatewayError.UpstreamUnavailable(deployment.Provider, "no such provider is configured");
        }

        var request = context.Request;
        if (request.Api == ApiKind.Responses && !provider.ServesResponses)
        {
            return GatewayError.ResponsesUnavailable(request.Model, provider.Name);
        }

        IDialectTranslator? translator = null;
        if (!provider.Accepts(request.Dialect))
        {
            translator = Array.Find(_translators, t => t.ClientDialect == request.Dialect && provider.Accepts(t.ProviderDialect));
            if (translator is null)
            {
                return GatewayError.TranslationUnavailable(request.Model, provider.Name, request.Dialect);
            }
        }

        try
        {
            return GatewayResponse.From(translator is null
                ? await provider.SendAsync(request, deployment, context.Aborted)
                : await translator.SendAsync(request, deployment, provider, context.Aborted));
        }
        catch (UpstreamException e)
        {
            return e.Error;
        }
    }
}
