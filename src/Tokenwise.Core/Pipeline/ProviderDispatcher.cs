namespace Tokenwise.Pipeline;

/// <summary>The pipeline's last step: sends the request to the deployment's provider.</summary>
public sealed class ProviderDispatcher(IEnumerable<IProvider> providers)
{
    private readonly Dictionary<string, IProvider> _providers = providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public async ValueTask<GatewayResponse> InvokeAsync(GatewayContext context)
    {
        var deployment = context.Deployment
            ?? throw new InvalidOperationException("Model resolution must run before the provider is called.");
        if (!_providers.TryGetValue(deployment.Provider, out var provider))
        {
            return GatewayError.UpstreamUnavailable(deployment.Provider, "no such provider is configured");
        }

        if (context.Request.Api == ApiKind.Responses && !provider.ServesResponses)
        {
            return GatewayError.ResponsesUnavailable(context.Request.Model, provider.Name);
        }

        if (!provider.Accepts(context.Request.Dialect))
        {
            return GatewayError.TranslationUnavailable(context.Request.Model, provider.Name, context.Request.Dialect);
        }

        try
        {
            return GatewayResponse.From(await provider.SendAsync(context.Request, deployment, context.Aborted));
        }
        catch (UpstreamException e)
        {
            return e.Error;
        }
    }
}
