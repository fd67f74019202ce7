namespace Tokenwise.Pipeline;

/// <summary>Resolves the requested model to a deployment; unknown models end here with 404 <c>model_not_found</c>.</summary>
public sealed class ModelResolutionStage(ModelResolver resolver) : IGatewayStage
{
    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next)
    {
        if (!resolver.TryResolve(context.Request.Model, out var deployment, out var error))
        {
            return ValueTask.FromResult(GatewayResponse.Fail(error));
        }

        context.Deployment = deployment;
        context.Record.Provider = deployment.Provider;
        context.Record.UpstreamModel = deployment.UpstreamModel;
        return next(context);
    }
}
